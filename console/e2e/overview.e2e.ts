/**
 * 概览, through the UI: after a customer scans a channel's QR code (the simulator) and the clinic
 * records an appointment and a purchase, the dashboard counts the new customer under the channel
 * (the Statistic and the charts' spoken summaries); the dead-letter alert appears only once a
 * message has failed every attempt, and leads to the 运维 page.
 */
import { describe, expect, it } from 'vitest';
import { newTab, screenshot, seriousAccessibilityViolations, settled, signIn } from './lib/browser';
import { useFixture } from './lib/fixture';
import { addDeadLetter } from './lib/ops';

interface LogPage {
  items: { external_userid?: string | null; status: string }[];
}

describe('概览', () => {
  const f = useFixture();

  async function processed(ext: string): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const page = await f.server.api<LogPage>(
        '/api/callback-logs?event_type=change_external_contact/add_external_contact',
      );
      if (page.items.some((e) => e.external_userid === ext && e.status === 'processed')) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`the scan of ${ext} was not processed`);
  }

  it('counts a new customer under its channel, and alerts only when there are dead letters', async () => {
    const { page, errors, context } = await newTab(f.browser);
    await signIn(page, f.server.base, f.server.token);
    await page.getByRole('heading', { level: 1, name: '概览' }).waitFor();
    const newCustomers = page.getByTestId('stat-new').locator('.ant-statistic-content-value');
    await newCustomers.waitFor();
    const before = Number((await newCustomers.textContent())?.replace(/[^\d]/g, ''));
    expect(await page.getByTestId('dead-letter-alert').count()).toBe(0);

    // A customer scans the 抖音 QR code; the clinic records their appointment and purchase.
    const scan = await f.server.sim<{ external_userid: string }>('scan', { userid: 'zhangsan', state: 'douyin' });
    const ext = scan.external_userid;
    await processed(ext);
    const hourAgo = Date.now() - 3_600_000;
    await f.server.api('/api/appointments', { body: { external_userid: ext, scheduled_at_ms: hourAgo, item: '水光针' } });
    await f.server.api('/api/purchases', {
      body: { external_userid: ext, amount_fen: 128_000, item: '水光针', purchased_at_ms: hourAgo },
    });

    // The admin looks at the last 7 days.
    await page.getByText('近 7 天', { exact: true }).click();
    await page.waitForURL((url) => url.searchParams.get('days') === '7');
    await page.getByTestId('stat-new').getByText(String(before + 1), { exact: true }).waitFor();
    const perDay = page.getByRole('img', { name: /^近 7 天新增客户/ });
    expect(await perDay.getAttribute('aria-label')).toContain(`近 7 天新增客户 ${before + 1} 位`);
    expect(await perDay.getAttribute('aria-label')).toContain('抖音');
    const revenue = page.getByRole('img', { name: /^近 7 天预约/ });
    expect(await revenue.getAttribute('aria-label')).toContain('抖音 预约 1 次、消费 ¥1,280.00');
    // The 渠道效果 table (the 转化漏斗 below has a row per channel too).
    const douyin = page.getByRole('table', { name: '渠道效果' }).getByRole('row').filter({ hasText: '抖音' });
    expect(await douyin.textContent()).toContain('¥1,280.00');
    expect(await page.getByTestId('dead-letter-alert').count()).toBe(0);
    await page.waitForLoadState('networkidle');
    const violations = await seriousAccessibilityViolations(page);
    expect(violations, JSON.stringify(violations, null, 1)).toEqual([]);
    await settled(page);
    await screenshot(page, 'dashboard-overview');

    // A message fails every attempt: the alert appears and leads to it.
    addDeadLetter(f.server.dataDir, 'events', { kind: 'callback', key: 'ec:e2e-poison' });
    await page.reload();
    const alert = page.getByTestId('dead-letter-alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('有 1 条处理失败的消息（企业微信事件 1 条）');
    await settled(page);
    await screenshot(page, 'dashboard-dead-letters');
    await alert.getByRole('link', { name: '前往「运维」处理' }).click();
    await page.waitForURL((url) => url.pathname === '/dashboard/ops' && url.searchParams.get('tab') === 'dead-letters');
    await page.getByRole('row').filter({ hasText: '企业微信事件' }).waitFor();

    // On a tablet.
    await page.setViewportSize({ width: 768, height: 1024 });
    await page.goto(`${f.server.base}/dashboard?days=7`);
    await page.getByTestId('stat-new').getByText(String(before + 1), { exact: true }).waitFor();
    await settled(page);
    await screenshot(page, 'dashboard-overview-tablet');

    expect(errors).toEqual([]);
    await context.close();
  });
});
