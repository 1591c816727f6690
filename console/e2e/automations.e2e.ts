/**
 * 自动化, end to end (the specification's scenario 3): customers whose birthday is 7 days ahead
 * (three who agreed to marketing, one who did not) and one whose birthday is a day later; in the
 * browser the clinic creates a birthday rule 7 days ahead with a coupon, runs it now, and reads
 * the run in the run history: 4 matched and handed over, and its campaign's funnel — 4 targeted,
 * 1 skipped (no consent), 3 in group-send tasks for their consultants.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { newTab, screenshot, seriousAccessibilityViolations, signIn } from './lib/browser';
import { useFixture } from './lib/fixture';
import type { Server } from './lib/server';

/** `MM-DD` of the Beijing day `days` from today. */
function beijingMonthDay(days: number): string {
  const day = new Date(Date.now() + 8 * 3600_000 + days * 86_400_000);
  return day.toISOString().slice(5, 10);
}

/** A customer of `userid` through channel `state` (a scan), with the clinic's fields set. */
async function customer(server: Server, userid: string, state: string, name: string, fields: object): Promise<string> {
  const scan = await server.sim<{ external_userid: string }>('scan', { userid, state, name });
  const id = scan.external_userid;
  // The add event is processed asynchronously: wait for the customer to exist.
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const { marketing_consent: consent, ...rest } = fields as { marketing_consent?: boolean };
      if (consent !== undefined) {
        await server.api(`/api/customers/${id}/consents`, {
          body: { purpose: 'marketing', granted: consent, method: 'written' },
        });
      }
      if (Object.keys(rest).length > 0) await server.api(`/api/customers/${id}`, { method: 'PATCH', body: rest });
      return id;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** The number a count box of the run history shows. */
function count(scope: ReturnType<Page['locator']>, label: string) {
  return scope.locator(`[data-count="${label}"]`).innerText();
}

describe('自动化', () => {
  const f = useFixture();

  it('creates a birthday rule 7 days ahead, runs it now and shows the run with its tasks', async () => {
    const { server, browser } = f;
    // Quiet hours off: the scenario must not depend on the time of day it runs at.
    await server.api('/api/config', {
      method: 'PUT',
      body: { send_rules: { daily_cap_per_customer: 3, quiet_start: '00:00', quiet_end: '00:00' } },
    });
    const birthday = `1992-${beijingMonthDay(7)}`;
    await customer(server, 'zhangsan', 'xiaohongshu', '李女士', { birthday, marketing_consent: true, tier: 'A' });
    await customer(server, 'lisi', 'douyin', '王女士', { birthday, marketing_consent: true });
    await customer(server, 'zhangsan', 'douyin', '陈女士', { birthday: beijingMonthDay(7), marketing_consent: true });
    await customer(server, 'lisi', 'xiaohongshu', '赵女士', { birthday, marketing_consent: false });
    await customer(server, 'zhangsan', 'douyin', '周先生', { birthday: `1990-${beijingMonthDay(8)}`, marketing_consent: true });

    const { page, errors, context } = await newTab(browser);
    await signIn(page, server.base, server.token, '/dashboard/automations');
    await page.getByRole('heading', { level: 1, name: '自动化' }).waitFor();
    await page.getByText('还没有自动化规则').waitFor();

    // The rule: 生日祝福, 7 days ahead (the default), a coupon, the template text.
    await page.getByRole('button', { name: '新建规则' }).first().click();
    const drawer = page.locator('.ant-drawer-content').filter({ hasText: '新建自动化规则' });
    await drawer.waitFor();
    await drawer.getByLabel('规则名称').fill('生日祝福');
    expect(await drawer.getByRole('spinbutton', { name: '触发天数' }).inputValue()).toBe('7');
    await drawer.getByLabel('优惠券').fill('生日专享 8 折券');
    await drawer.getByRole('textbox', { name: '消息文字' }).fill('{name}，生日快乐！送您{coupon}，有效期至{valid_until}。');
    await page.waitForLoadState('networkidle');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'automation-drawer');
    await drawer.getByRole('button', { name: /^创\s?建$/ }).click();
    await page.getByText('规则已创建').waitFor();
    await drawer.waitFor({ state: 'hidden' });

    const rule = page.locator('.ant-table-row').filter({ hasText: '生日祝福' });
    await rule.getByText('生日前 7 天').waitFor();
    await rule.getByText('优惠券：生日专享 8 折券').waitFor();
    expect(await rule.getByRole('switch', { name: '启用「生日祝福」' }).isChecked()).toBe(true);
    await page.waitForLoadState('networkidle');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'automations');

    // Run now, after confirming.
    await rule.getByRole('button', { name: /立即运行/ }).click();
    const confirm = page.locator('.ant-popover:visible').filter({ hasText: '立即运行这条规则？' });
    await confirm.getByRole('button', { name: '立即运行' }).click();
    await page.getByText('已运行：符合条件 4 位，此前已发送 0 位，本次移交发送 4 位').waitFor();

    // The run history opens on the run: its counts, then its campaign's funnel as it is sent.
    const history = page.locator('.ant-drawer-content').filter({ hasText: '运行记录：生日祝福' });
    await history.waitFor();
    const run = history.locator('[data-testid^="automation-run-"]').first();
    await run.waitFor();
    expect(await count(run, '符合条件')).toBe('4');
    expect(await count(run, '此前已发送')).toBe('0');
    expect(await count(run, '本次移交发送')).toBe('4');
    expect(await count(run, '读取索引项')).toBe('4');
    const campaign = run.locator('[data-testid^="run-campaign-"]');
    await campaign.waitFor();
    await expect.poll(() => count(campaign, '已创建任务'), { timeout: 45_000 }).toBe('3');
    // All tasks are with the consultants now.
    await campaign.getByText('待成员确认发送').waitFor({ timeout: 30_000 });
    expect(await count(campaign, '目标客户')).toBe('4');
    expect(await count(campaign, '已跳过')).toBe('1');
    expect(await count(campaign, '待成员确认')).toBe('3');
    const link = campaign.getByRole('link', { name: /^生日祝福 \d{4}-\d{2}-\d{2}$/ });
    expect(await link.getAttribute('href')).toMatch(/^\/dashboard\/wework\/messages\/.+/);
    await page.waitForLoadState('networkidle');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'automation-runs');

    // A second run the same day hands nobody over twice.
    await page.getByRole('button', { name: 'Close' }).click();
    await history.waitFor({ state: 'hidden' });
    await rule.getByRole('button', { name: /立即运行/ }).click();
    await confirm.getByRole('button', { name: '立即运行' }).click();
    await page.getByText('已运行：符合条件 4 位，此前已发送 4 位，本次移交发送 0 位').waitFor();
    await history.getByText('本次没有需要发送的客户。').waitFor();
    await expect.poll(() => history.locator('[data-testid^="automation-run-"]').count()).toBe(2);

    // Disabled, it cannot be run.
    await page.getByRole('button', { name: 'Close' }).click();
    await history.waitFor({ state: 'hidden' });
    await rule.getByRole('switch', { name: '启用「生日祝福」' }).click();
    await page.getByText('已停用「生日祝福」').waitFor();
    expect(await rule.getByRole('button', { name: /立即运行/ }).isDisabled()).toBe(true);

    expect(errors).toEqual([]);
    await context.close();

    // On a 768 px tablet: the list and the run history.
    const tablet = await newTab(browser, { width: 768, height: 1024 });
    await signIn(tablet.page, server.base, server.token, '/dashboard/automations');
    const tabletRule = tablet.page.locator('.ant-table-row').filter({ hasText: '生日祝福' });
    await tabletRule.waitFor();
    await tablet.page.waitForLoadState('networkidle');
    expect(await seriousAccessibilityViolations(tablet.page)).toEqual([]);
    await screenshot(tablet.page, 'automations-tablet');
    await tabletRule.getByRole('button', { name: /运行记录/ }).click();
    await tablet.page.locator('[data-testid^="run-campaign-"]').first().waitFor();
    await tablet.page.waitForLoadState('networkidle');
    expect(await seriousAccessibilityViolations(tablet.page)).toEqual([]);
    await screenshot(tablet.page, 'automation-runs-tablet');
    expect(tablet.errors).toEqual([]);
    await tablet.context.close();
  });
});
