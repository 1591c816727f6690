/**
 * 线索阶段 and 转化漏斗, through the UI: two customers scan (小红书 for zhangsan, 抖音 for lisi);
 * booking one moves them to 已预约, which the customer list shows as a chip and filters by
 * (客户阶段, kept in the URL); staff change the stage in the drawer; the dashboard's funnel counts
 * them by channel and by consultant. The consultant's 新客户提醒 (an app message) links to the
 * customer's page, and the alerts are switched in 企业微信配置 → 成员提醒.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { newTab, screenshot, seriousAccessibilityViolations, settled, signIn } from './lib/browser';
import { CHANNELS } from './lib/channels';
import { useFixture } from './lib/fixture';

interface CustomerDetail {
  stage: string;
}

interface AppMessage {
  touser: string[];
  content: string | null;
}

interface LogPage {
  items: { external_userid?: string | null; status: string }[];
}

function row(page: Page, name: string) {
  return page.locator('.ant-table-row').filter({ hasText: name });
}

describe('线索阶段与转化漏斗', () => {
  const f = useFixture();

  async function processed(ext: string): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const page = await f.server.api<LogPage>('/api/callback-logs?event_type=change_external_contact/add_external_contact');
      if (page.items.some((e) => e.external_userid === ext && e.status === 'processed')) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`the scan of ${ext} was not processed`);
  }

  it('shows and sets a customer’s stage, filters by it, and the dashboard funnel counts it', async () => {
    const { server, browser } = f;
    await server.api('/api/config', { method: 'PUT', body: { channels: CHANNELS } });
    const zhou = await server.sim<{ external_userid: string }>('scan', {
      userid: 'zhangsan',
      state: 'xiaohongshu',
      name: '周女士',
      gender: 2,
    });
    const wu = await server.sim<{ external_userid: string }>('scan', { userid: 'lisi', state: 'douyin', name: '吴先生', gender: 1 });
    await processed(zhou.external_userid);
    await processed(wu.external_userid);
    // 周女士 books a visit: 已预约.
    await server.api('/api/appointments', {
      body: { external_userid: zhou.external_userid, scheduled_at_ms: Date.now() + 86_400_000, item: '水光针' },
    });

    const { page, errors, context } = await newTab(browser);
    await signIn(page, server.base, server.token, '/dashboard/customers');
    await page.getByRole('heading', { level: 1, name: '客户' }).waitFor();

    // zhangsan's 新客户提醒 (once) names the channel and links to 周女士's page in the console.
    // The booking above also tells zhangsan (预约确认), possibly already: only the alerts count.
    const told = (await server.sim<AppMessage[]>('app-messages')).filter(
      (m) => m.touser.includes('zhangsan') && (m.content ?? '').startsWith('新客户提醒'),
    );
    expect(told).toHaveLength(1);
    const text = told[0]?.content ?? '';
    expect(text).toContain('新客户提醒：客户「周女士」通过「小红书」添加了您');
    const link = /查看客户：(\S+)/.exec(text)?.[1];
    expect(link).toBe(`${server.base}/dashboard/customers?customer=${zhou.external_userid}`);
    await page.goto(link ?? '');
    await page.locator('.ant-drawer-content').getByRole('heading', { name: '周女士' }).waitFor();
    await page.keyboard.press('Escape');
    await page.waitForURL((url) => !url.searchParams.has('customer'));
    await row(page, '周女士').locator('[data-stage="booked"]').waitFor();
    expect(await row(page, '周女士').locator('[data-stage]').innerText()).toBe('已预约');
    expect(await row(page, '吴先生').locator('[data-stage]').innerText()).toBe('新线索');

    // The stage filter narrows the list and lives in the URL.
    // The list's filter (the closed drawer keeps its own 客户阶段 selector in the page).
    await page.getByRole('search', { name: '筛选客户' }).getByRole('combobox', { name: '客户阶段' }).click();
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: '已预约' }).click();
    await page.waitForURL((url) => url.searchParams.get('stage') === 'booked');
    await expect.poll(() => row(page, '吴先生').count()).toBe(0);
    await row(page, '周女士').waitFor();
    await settled(page);
    await screenshot(page, 'customers-stage-filter');

    // Staff set the stage in the drawer: 已成交.
    await row(page, '周女士').getByRole('button', { name: '周女士', exact: true }).click();
    const drawer = page.locator('.ant-drawer-content');
    await drawer.getByRole('heading', { name: '周女士' }).waitFor();
    await drawer.locator('.ant-select', { has: page.getByRole('combobox', { name: '客户阶段' }) }).click();
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: '已成交' }).click();
    await page.getByText('客户阶段已改为「已成交」').waitFor();
    await expect
      .poll(async () => (await server.api<CustomerDetail>(`/api/customers/${zhou.external_userid}`)).stage)
      .toBe('purchased');
    await settled(page);
    await screenshot(page, 'customer-drawer-stage');
    await page.keyboard.press('Escape');

    // 成员提醒: 流失提醒 switched off.
    await page.goto(`${server.base}/dashboard/wework/config`);
    const alerts = page.locator('#alerts');
    await alerts.getByRole('switch', { name: '流失提醒' }).click();
    await alerts.getByRole('button', { name: '保存成员提醒' }).click();
    await alerts.getByText('已保存').waitFor();
    const config = await server.api<{ alerts: Record<string, boolean> }>('/api/config');
    expect(config.alerts).toEqual({ new_customer: true, lost_customer: false, daily_digest: true });
    await settled(page);
    await screenshot(page, 'config-alerts');

    // The dashboard's funnel: 2 new customers, 1 reached 已预约 and 已成交 (小红书, 张三).
    await page.goto(`${server.base}/dashboard?days=7`);
    const funnel = page.getByRole('list', { name: '全部新增客户的转化漏斗' });
    await funnel.getByRole('listitem', { name: '新线索 2 人（100%）' }).waitFor();
    await funnel.getByRole('listitem', { name: '已成交 1 人（50%）' }).waitFor();
    const card = page.locator('#pipeline');
    expect(await card.getByRole('row').filter({ hasText: '小红书' }).innerText()).toContain('1（100%）');
    await card.getByText('按顾问').click();
    await card.getByRole('row').filter({ hasText: '抖音' }).waitFor({ state: 'detached' });
    const lisi = card.getByRole('row').filter({ hasText: /李四|lisi/ });
    expect(await lisi.innerText()).toContain('0（0%）');
    await card.scrollIntoViewIfNeeded();
    await page.waitForLoadState('networkidle');
    const violations = await seriousAccessibilityViolations(page);
    expect(violations, JSON.stringify(violations, null, 1)).toEqual([]);
    await settled(page);
    await screenshot(page, 'dashboard-funnel');
    expect(errors).toEqual([]);
    await context.close();
  });
});
