/**
 * 客户, end to end (scenario 1's tail): the clinic has a 小红书 channel and a 「联系我」 of
 * consultant zhangsan for it; a customer scans it (the simulator stands in for them); the
 * customers page shows them with 来源 小红书 and 跟进人 张三 (zhangsan); the drawer edits their
 * tier, records their marketing consent (授权记录; a campaign preview then includes them), sends
 * them a direct message (composer preview, then the message history),
 * adds a corp tag and records a purchase; the channel filter narrows the list (and lives in the
 * URL, so back restores it). Screenshots at 1280 px and on a 768 px tablet.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { newTab, screenshot, seriousAccessibilityViolations, settled, signIn } from './lib/browser';
import { CHANNELS } from './lib/channels';
import { useFixture } from './lib/fixture';

interface CustomerPage {
  items: { external_userid: string; name: string }[];
}

/** Polls until the events of the scans have been processed (the callback is asynchronous). */
async function waitForCustomers(api: <T>(path: string) => Promise<T>, count: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const page = await api<CustomerPage>('/api/customers');
    if (page.items.length >= count) return;
    if (Date.now() > deadline) throw new Error(`only ${page.items.length} of ${count} customers arrived`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The table row of a customer (by the name shown). */
function row(page: Page, name: string) {
  return page.locator('.ant-table-row').filter({ hasText: name });
}

/** Picks an option of a searchable Ant Design Select by its form label, with the keyboard. */
async function choose(page: Page, label: string, option: string) {
  await page.getByLabel(label, { exact: true }).focus();
  await page.keyboard.type(option);
  await page.locator('.ant-select-dropdown:visible .ant-select-item-option-active').filter({ hasText: option }).waitFor();
  await page.keyboard.press('Enter');
}

describe('客户', () => {
  const f = useFixture();

  it('shows a customer who scanned a 小红书 「联系我」; the drawer edits, tags, messages and records them; the channel filter narrows the list', async () => {
    const { server, browser } = f;
    await server.api('/api/config', {
      method: 'PUT',
      body: {
        channels: CHANNELS,
        // No quiet hours, so the direct message goes out whatever the time of the run.
        send_rules: { daily_cap_per_customer: 3, quiet_start: '00:00', quiet_end: '00:00', consent: 'opt_in' },
      },
    });
    const { page, errors, context } = await newTab(browser);
    await signIn(page, server.base, server.token, '/dashboard/customers');
    await page.getByRole('heading', { level: 1, name: '客户' }).waitFor();
    // Before anyone scans: an empty list that says what to do next.
    await page.getByText('还没有客户').waitFor();
    await page.getByRole('button', { name: /创建「联系我」/ }).waitFor();
    await page.waitForLoadState('networkidle');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    const way = await server.api<{ config_id: string }>('/api/contact-ways', {
      body: { type: 1, scene: 2, state: 'xiaohongshu', user: ['zhangsan'], remark: '小红书笔记' },
    });
    await server.sim('scan', { config_id: way.config_id, name: '李女士', gender: 2 });
    await server.sim('scan', { userid: 'lisi', state: 'douyin', name: '王先生', gender: 1 });
    await waitForCustomers(server.api.bind(server), 2);
    await page.getByRole('button', { name: /刷\s?新/ }).click();

    // The customer, with the channel by name and the consultant.
    const li = row(page, '李女士');
    await li.waitFor();
    await expect.poll(() => li.locator('td').nth(1).innerText()).toBe('小红书');
    await expect.poll(() => li.locator('td').nth(2).innerText()).toBe('扫描二维码');
    const consultant = li.locator('td').nth(3).locator('span[title]');
    await expect.poll(() => consultant.innerText()).toBe('张三');
    expect(await consultant.getAttribute('title')).toBe('成员账号：zhangsan');
    await li.getByText('来源:小红书').waitFor();
    await page.waitForLoadState('networkidle');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'customers');

    // The drawer: set the tier, see it saved.
    await li.getByRole('button', { name: '李女士', exact: true }).click();
    const drawer = page.locator('.ant-drawer-content').filter({ hasText: '诊所维护的客户资料' });
    await drawer.waitFor();
    expect(new URL(page.url()).searchParams.get('customer')).toMatch(/^wm/);
    await drawer.getByText('A 级', { exact: true }).click();
    await drawer.getByRole('button', { name: /^保\s?存$/ }).click();
    await page.getByText('客户资料已保存').waitFor();
    await drawer.locator('.ant-drawer-title').getByText('A 级').waitFor();
    await li.locator('td').nth(5).getByText('A 级').waitFor();
    await page.waitForLoadState('networkidle');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await drawer.locator('.ant-drawer-body').evaluate((body) => body.scrollTo(0, 0));
    await page.getByText('客户资料已保存').waitFor({ state: 'hidden' });
    await screenshot(page, 'customer-drawer');

    // 同步: the customer re-read from WeCom now (the history gets a line).
    await drawer.getByRole('button', { name: /同\s?步/ }).click();
    await page.getByText('同步完成').waitFor();
    // The 同步 button's tooltip (the pointer is still on it) would cover the tabs.
    await page.mouse.move(0, 0);
    await drawer.getByRole('tab', { name: '动态' }).click();
    await drawer.getByText('从企业微信同步').waitFor();
    await drawer.getByText('添加企业客户').waitFor();

    // 授权记录: under opt-in a campaign preview leaves her out until her marketing consent is
    // recorded (with how and a note); the history then lists it.
    const liId = new URL(page.url()).searchParams.get('customer') ?? '';
    const previewOf = { name: '授权预览', audience: { type: 'customers', external_userids: [liId] }, content: { text: '您好' } };
    interface Preview {
      would_send: number;
      skipped: Record<string, number>;
    }
    const before = await server.api<Preview>('/api/campaigns/preview', { body: previewOf });
    expect([before.would_send, before.skipped]).toEqual([0, { no_consent: 1 }]);
    await drawer.getByRole('tab', { name: '授权记录' }).click();
    const consentForm = drawer.getByRole('form', { name: '登记授权' });
    await consentForm.getByLabel('营销', { exact: true }).check();
    await consentForm.getByLabel('授权', { exact: true }).check();
    await consentForm.getByLabel('书面', { exact: true }).check();
    await consentForm.getByLabel('备注').fill('到店签署纸质授权书');
    await consentForm.getByRole('button', { name: /^登\s?记$/ }).click();
    await page.getByText('授权记录已登记').waitFor();
    const consentRow = drawer.getByLabel('授权历史').locator('.ant-table-row').first();
    await expect.poll(() => consentRow.innerText()).toMatch(/营销[\s\S]*授权[\s\S]*书面[\s\S]*到店签署纸质授权书/);
    await drawer.locator('[data-consent="marketing"]').getByText('已授权').waitFor();
    await page.waitForLoadState('networkidle');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    const after = await server.api<Preview>('/api/campaigns/preview', { body: previewOf });
    expect(after.would_send).toBe(1);

    // 发送消息: the composer's preview shows the text; the task goes to zhangsan to confirm.
    await drawer.getByRole('button', { name: /发送消息/ }).click();
    const composer = page.locator('.ant-drawer-content').filter({ hasText: '发送消息给' });
    await composer.waitFor();
    await composer.getByLabel('消息文字').fill('{name}您好，超皮秒祛斑本周末8折，欢迎预约面诊。');
    await composer.getByRole('figure').filter({ hasText: '超皮秒祛斑本周末8折' }).waitFor();
    await screenshot(page, 'customer-message');
    await composer.locator('.ant-drawer-footer').getByRole('button', { name: /发\s?送$/ }).click();
    await composer.getByText('已创建发送任务').waitFor();
    await composer.getByText(/等待 张三 在企业微信中确认发送/).waitFor();
    await composer.getByRole('button', { name: /完\s?成/ }).click();
    await composer.waitFor({ state: 'hidden' });
    // The message history lists it once the task is planned.
    await drawer.getByRole('tab', { name: '消息记录' }).click();
    const history = drawer.locator('.ant-tabs-tabpane-active .ant-table-row');
    const deadline = Date.now() + 20_000;
    while ((await history.count()) === 0) {
      if (Date.now() > deadline) {
        console.log(JSON.stringify(await server.api('/api/campaigns')));
        throw new Error('the direct message never reached the history');
      }
      await Promise.all([
        page.waitForResponse((r) => r.url().includes('/api/messages?')),
        drawer.locator('.ant-tabs-tabpane-active').getByRole('button', { name: /刷\s?新/ }).click(),
      ]);
    }
    expect(await history.first().innerText()).toContain('超皮秒祛斑');

    // A corp tag added on the relationship with zhangsan (in WeCom, then here).
    await drawer.getByRole('tab', { name: /跟进成员与标签/ }).click();
    await drawer.getByLabel('企业标签').focus();
    await page.keyboard.type('光子嫩肤');
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option-active').filter({ hasText: '光子嫩肤' }).waitFor();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Escape');
    await drawer.getByRole('button', { name: '保存标签' }).click();
    await page.getByText('企业标签已更新').waitFor();
    await drawer.getByRole('button', { name: '保存标签' }).waitFor({ state: 'detached' });
    await li.getByText('光子嫩肤').waitFor();

    // A purchase recorded from the drawer moves the customer's total.
    await drawer.getByRole('tab', { name: '预约与消费' }).click();
    await drawer.getByRole('button', { name: /新增消费/ }).click();
    const purchase = page.getByRole('dialog', { name: '新增消费' });
    await purchase.getByLabel('项目').fill('水光针');
    await purchase.getByLabel('金额').fill('1600');
    await purchase.getByRole('button', { name: /^保\s?存$/ }).click();
    await page.getByText('消费已记录').waitFor();
    await drawer.locator('.ant-tabs-tabpane-active .ant-table-row').filter({ hasText: '水光针' }).getByText('¥1,600.00').waitFor();
    await drawer.locator('.ant-statistic').filter({ hasText: '累计消费' }).getByText('¥1,600.00').waitFor();

    await page.getByRole('button', { name: 'Close' }).first().click();
    await drawer.waitFor({ state: 'hidden' });
    expect(new URL(page.url()).searchParams.has('customer')).toBe(false);

    // Filter by channel: only that channel's customers, and the filter is in the URL.
    await row(page, '王先生').waitFor();
    await choose(page, '渠道', '抖音');
    await page.waitForURL((url) => url.searchParams.get('channel') === 'douyin');
    await li.waitFor({ state: 'detached' });
    await row(page, '王先生').waitFor();
    await choose(page, '渠道', '小红书');
    await page.waitForURL((url) => url.searchParams.get('channel') === 'xiaohongshu');
    await row(page, '王先生').waitFor({ state: 'detached' });
    await li.waitFor();
    // A shared link opens the same filtered list; back returns to the previous filter.
    await page.goBack();
    await page.waitForURL((url) => url.searchParams.get('channel') === 'douyin');
    await row(page, '王先生').waitFor();

    // A tablet: the filters stack, the table scrolls sideways, the drawer takes the width.
    await page.setViewportSize({ width: 768, height: 1024 });
    await row(page, '王先生').getByRole('button', { name: '王先生', exact: true }).click();
    await drawer.getByText('诊所维护的客户资料').waitFor();
    await settled(page);
    await screenshot(page, 'customer-drawer-tablet');
    await page.getByRole('button', { name: 'Close' }).first().click();
    await drawer.waitFor({ state: 'hidden' });
    await settled(page);
    await screenshot(page, 'customers-tablet');

    expect(errors).toEqual([]);
    await context.close();
  });
});
