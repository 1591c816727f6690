/**
 * 预约, end to end: a consultant's customer books a visit three days ahead from the customer
 * drawer; WeCom (the simulator) then holds one single-customer group-send task for zhangsan —
 * the 预约确认 — and zhangsan got an app message about it; the 预约 page's week shows the visit,
 * its drawer the confirmation. The app's clock moves to the day before the visit: the schedule
 * creates the 预约提醒 task, which the drawer then shows; the visit is moved to 已到店 there,
 * and the week's card follows.
 */
import { describe, expect, it } from 'vitest';
import { beijing } from '@/lib/format';
import { newTab, screenshot, seriousAccessibilityViolations, settled, signIn } from './lib/browser';
import { CHANNELS } from './lib/channels';
import { useFixture } from './lib/fixture';

interface CustomerPage {
  items: { external_userid: string; name: string }[];
}

interface Notice {
  state: string;
  due_at_ms: number;
}

interface AppointmentView {
  id: string;
  status: string;
  scheduled_at_ms: number;
  confirmation: Notice | null;
  reminder: Notice | null;
}

interface GroupMsg {
  creator: string;
  text: string | null;
  recipients: { external_userid: string }[];
}

interface AppMessage {
  touser: string[];
  content: string;
}

async function poll<T>(what: string, check: () => Promise<T | null | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await check();
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('预约', () => {
  const f = useFixture();

  it('books a visit, records its 预约确认, creates the 预约提醒 when the clock reaches the day before, and moves it to 已到店 from the calendar', async () => {
    const { server, browser } = f;
    // No quiet hours: the notices go whatever the time of the run.
    await server.api('/api/config', {
      method: 'PUT',
      body: { channels: CHANNELS, send_rules: { daily_cap_per_customer: 3, quiet_start: '00:00', quiet_end: '00:00' } },
    });
    await server.sim('scan', { userid: 'zhangsan', state: 'xiaohongshu', name: '李女士', gender: 2 });
    const customer = await poll('the customer', async () => {
      const page = await server.api<CustomerPage>('/api/customers');
      return page.items.find((c) => c.name === '李女士');
    });
    const ext = customer.external_userid;

    // Booked from the customer drawer: three days ahead at 15:00 (Beijing).
    const visit = beijing(Date.now()).add(3, 'day').hour(15).minute(0).second(0).millisecond(0);
    const { page, errors } = await newTab(browser);
    await signIn(page, server.base, server.token, `/dashboard/customers?customer=${ext}`);
    const drawer = page.locator('.ant-drawer-content').filter({ hasText: '诊所维护的客户资料' });
    await drawer.waitFor();
    await drawer.getByRole('tab', { name: '预约与消费' }).click();
    await drawer.getByRole('button', { name: /新增预约/ }).click();
    const dialog = page.getByRole('dialog', { name: '新增预约' });
    const picker = dialog.getByLabel('预约时间（北京时间）');
    await picker.click();
    await picker.fill(visit.format('YYYY-MM-DD HH:mm'));
    await picker.press('Enter');
    await dialog.getByLabel('项目').fill('水光针');
    await dialog.getByRole('button', { name: /^保\s?存$/ }).click();
    await page.getByText('预约已记录').waitFor();
    await drawer.locator('.ant-tabs-tabpane-active .ant-table-row').filter({ hasText: '水光针' }).getByText('已预约').waitFor();

    // WeCom holds one task for zhangsan to confirm, to this customer only, and zhangsan was told.
    const tasks = (await server.sim<GroupMsg[]>('groupmsgs')).filter((m) =>
      m.recipients.some((r) => r.external_userid === ext),
    );
    expect(tasks).toHaveLength(1);
    expect(tasks[0]?.creator).toBe('zhangsan');
    expect(tasks[0]?.text).toContain('「水光针」');
    const told = (await server.sim<AppMessage[]>('app-messages')).filter(
      (m) => m.touser.includes('zhangsan') && m.content.startsWith('【预约确认】'),
    );
    expect(told).toHaveLength(1);

    // The 预约 page: the visit in its week, its drawer with the confirmation.
    const day = visit.format('YYYY-MM-DD');
    await page.goto(`${server.base}/dashboard/appointments?view=week&date=${day}`);
    await page.getByRole('heading', { level: 1, name: '预约' }).waitFor();
    const card = page.getByRole('button', { name: /15:00.*李女士.*水光针/ });
    await card.waitFor();
    await card.getByText('已预约').waitFor();
    await page.waitForLoadState('networkidle');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'appointments-week');

    await card.click();
    const details = page.locator('.ant-drawer-content').filter({ hasText: '预约确认与提醒' });
    await details.waitFor();
    await details.getByText('预约确认：已创建任务').waitFor();
    await details.getByText('预约提醒：待发送').waitFor();
    await details.getByText(`计划 ${visit.subtract(1, 'day').format('YYYY-MM-DD HH:mm')} 发送`).waitFor();

    // The clock reaches the day before: the schedule creates the reminder task.
    const [appointment] = (await server.api<{ items: AppointmentView[] }>(`/api/customers/${ext}/appointments`)).items;
    if (!appointment) throw new Error('the booking is not stored');
    await server.sim('app-clock/advance', { to_ms: visit.subtract(1, 'day').valueOf() + 60_000 });
    await poll('the reminder', async () => {
      const a = await server.api<AppointmentView>(`/api/appointments/${appointment.id}`);
      return a.reminder?.state === 'created';
    });
    const reminders = (await server.sim<GroupMsg[]>('groupmsgs')).filter(
      (m) => m.recipients.some((r) => r.external_userid === ext) && m.text?.startsWith('温馨提醒'),
    );
    expect(reminders).toHaveLength(1);
    await page.reload();
    await details.waitFor();
    await details.getByText('预约提醒：已创建任务').waitFor();

    // 已到店, from the drawer; the week's card follows.
    await details.getByRole('button', { name: '已到店' }).click();
    await page.getByText('已改为「已到店」').waitFor();
    await details.locator('.ant-descriptions').getByText('已到店').waitFor();
    await details.getByRole('button', { name: '已完成' }).waitFor();
    await details.getByText('状态变更').first().waitFor();
    await page.waitForLoadState('networkidle');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await settled(page);
    await screenshot(page, 'appointment-drawer');
    await page.getByRole('button', { name: 'Close' }).first().click();
    await card.getByText('已到店').waitFor();
    const stored = await server.api<AppointmentView>(`/api/appointments/${appointment.id}`);
    expect(stored.status).toBe('arrived');
    // The customer drawer's list follows.
    await page.goto(`${server.base}/dashboard/customers?customer=${ext}`);
    await drawer.getByRole('tab', { name: '预约与消费' }).click();
    await drawer.locator('.ant-tabs-tabpane-active .ant-table-row').filter({ hasText: '水光针' }).getByText('已到店').waitFor();

    expect(errors).toEqual([]);
  });
});
