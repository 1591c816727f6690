/**
 * 客户继承, end to end: consultant 王五 (wangwu) leaves with two customers and an unsent
 * group-send task; on the 客户继承 page the admin sees them under 离职继承 with the warning about
 * the task, assigns all of them to 李四, sees both 等待接替 in the handover's drawer; a day later
 * (the simulator's clock) 刷新结果 shows both 接替完毕 and the customers follow 李四.
 */
import { describe, expect, it } from 'vitest';
import { newTab, screenshot, seriousAccessibilityViolations, signIn } from './lib/browser';
import { useFixture } from './lib/fixture';

interface Scan {
  external_userid: string;
}

async function until<T>(what: string, check: () => Promise<T | undefined | null | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('客户继承', () => {
  const f = useFixture();

  it('hands a departed consultant’s customers to 李四 and shows each result', async () => {
    const { server, browser } = f;
    await server.api('/api/config', {
      method: 'PUT',
      body: { send_rules: { daily_cap_per_customer: 3, quiet_start: '00:00', quiet_end: '00:00' } },
    });
    const ids: string[] = [];
    for (let i = 0; i < 2; i += 1) {
      const scan = await server.sim<Scan>('scan', { userid: 'wangwu', state: 'xiaohongshu' });
      ids.push(scan.external_userid);
    }
    // The CRM has them (the add events are processed).
    await until('customers stored', async () => {
      const page = await server.api<{ items: unknown[] }>('/api/customers?userid=wangwu');
      return page.items.length === 2;
    });
    for (const id of ids) {
      await server.api(`/api/customers/${id}/consents`, { body: { purpose: 'marketing', granted: true, method: 'written' } });
    }
    // A campaign whose task waits on 王五.
    await server.api('/api/campaigns', {
      body: { name: '双十二光子嫩肤', audience: { type: 'customers', external_userids: ids }, content: { text: '双十二光子嫩肤特惠' } },
    });
    await until('the group-send task exists', async () => (await server.sim<unknown[]>('groupmsgs')).length > 0);
    // The console knew 王五 while he worked there (names are kept once WeCom gave them).
    await server.api('/api/staff');
    await server.sim('staff/resign', { userid: 'wangwu' });

    const { page, errors, context } = await newTab(browser);
    await signIn(page, server.base, server.token, '/dashboard/handover');
    await page.getByRole('heading', { level: 1, name: '客户继承' }).waitFor();
    await page.getByRole('tab', { name: '离职继承' }).click();
    const card = page.getByTestId('departed-wangwu');
    await card.waitFor();
    await card.getByText('王五').waitFor();
    await card.getByText('待分配 2 位客户').waitFor();
    await card.getByText('有 1 个群发任务（2 位客户）仍待原跟进成员发送').waitFor();
    await card.getByText('「双十二光子嫩肤」1 个任务', { exact: false }).waitFor();
    await page.waitForLoadState('networkidle');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'handover-resigned');

    // 接替成员: 李四, picked by name.
    await card.getByRole('combobox', { name: '接替成员' }).focus();
    await page.keyboard.type('李四');
    const option = page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: '李四' });
    await option.waitFor();
    if (!(await option.evaluate((el) => el.classList.contains('ant-select-item-option-active')))) {
      await page.keyboard.press('ArrowDown');
    }
    await page.keyboard.press('Enter');
    await card.getByRole('button', { name: '全部分配' }).click();
    await page.getByText('已分配 2 位客户给 李四').waitFor();

    // The drawer opens on the new handover: both waiting, the task warning carried over.
    const drawer = page.locator('.ant-drawer-content').filter({ hasText: '离职继承' });
    await drawer.waitFor();
    for (const id of ids) await drawer.getByTestId(`result-${id}`).filter({ hasText: '等待接替' }).waitFor();
    await drawer.getByTestId('pending-campaigns').waitFor();
    await screenshot(page, 'handover-drawer-waiting');

    // A day later in WeCom: 刷新结果 reads the results.
    await server.sim('clock/advance', { seconds: 86_400 + 60 });
    await drawer.getByRole('button', { name: '刷新结果' }).click();
    for (const id of ids) await drawer.getByTestId(`result-${id}`).filter({ hasText: '接替完毕' }).waitFor();
    await drawer.getByTestId('handover-counts').filter({ hasText: '接替完毕 2' }).waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'handover-drawer-accepted');

    // The list shows it done; the CRM shows 李四 as the consultant.
    await drawer.getByRole('button', { name: 'Close' }).click();
    await page.locator('.ant-table-row').filter({ hasText: '已完成' }).waitFor();
    for (const id of ids) {
      const customer = await server.api<{ follow_users: { userid: string; status: string }[] }>(`/api/customers/${id}`);
      expect(customer.follow_users.find((u) => u.userid === 'lisi')?.status).toBe('active');
      expect(customer.follow_users.find((u) => u.userid === 'wangwu')?.status).toBe('ended');
    }
    expect(errors).toEqual([]);
    await context.close();
  });
});
