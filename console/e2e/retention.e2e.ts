/**
 * 企业微信配置 → 数据保留, end to end: an admin sees the five retention periods with their
 * sources, a too-small value shows the error under its field as they type (and is not saved),
 * and a valid change is saved: 已保存, the period marked 控制台修改, and the API has it.
 */
import { describe, expect, it } from 'vitest';
import { newTab, screenshot, signIn } from './lib/browser';
import { useFixture } from './lib/fixture';

interface RetentionView {
  periods: { field: string; days: number; source: string }[];
}

describe('数据保留', () => {
  const f = useFixture();

  it('an admin changes a retention period and sees it saved; a too-small value shows the error under the field', async () => {
    const { server, browser } = f;
    const { page, errors } = await newTab(browser);
    await signIn(page, server.base, server.token, '/dashboard/wework/config');
    const card = page.locator('#retention');
    await card.getByText('数据保留').first().waitFor();
    const clicks = card.getByLabel('链接点击记录');
    await clicks.waitFor();
    expect(await clicks.inputValue()).toBe('180');

    // Below the minimum: the message appears under the field while typing, and nothing is saved.
    await clicks.fill('10');
    const item = card.locator('.ant-form-item').filter({ has: page.getByLabel('链接点击记录') });
    await item.locator('.ant-form-item-explain-error').getByText('链接点击记录的保留天数不能少于 30 天').waitFor();
    await card.getByRole('button', { name: /保存保留期限/ }).click();
    await page.waitForTimeout(300);
    const unchanged = await server.api<RetentionView>('/api/privacy/retention');
    expect(unchanged.periods.find((p) => p.field === 'click_days')).toMatchObject({ days: 180, source: 'default' });

    // A valid value: saved, marked as changed in the console.
    await clicks.fill('90');
    await item.locator('.ant-form-item-explain-error').waitFor({ state: 'detached' });
    await card.getByRole('button', { name: /保存保留期限/ }).click();
    await card.getByText('已保存').waitFor();
    await item.getByText('控制台修改').waitFor();
    await card.scrollIntoViewIfNeeded();
    await screenshot(page, 'retention-settings');
    const saved = await server.api<RetentionView>('/api/privacy/retention');
    expect(saved.periods.find((p) => p.field === 'click_days')).toMatchObject({ days: 90, source: 'console' });
    // Only the changed period was taken over by the console.
    expect(saved.periods.filter((p) => p.source === 'console').map((p) => p.field)).toEqual(['click_days']);
    expect(errors).toEqual([]);
  });
});
