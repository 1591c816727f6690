/**
 * 运维, through the UI: an event that failed (the app's Secret was wrong) is found in the event
 * log, its raw content opened, and — the Secret fixed — replayed to success; a dead letter is
 * replayed; a sync is started and watched to the end; the audit log shows the configuration
 * change the test made. Each tab is checked with axe and photographed.
 */
import { describe, expect, it } from 'vitest';
import { newTab, screenshot, seriousAccessibilityViolations, settled, signIn } from './lib/browser';
import { addDeadLetter } from './lib/ops';
import { useFixture } from './lib/fixture';

/** The simulator's app Secret (wecom-sim's demo corp). */
const SIM_SECRET = 'sim-corp-secret-yanmei-clinic-customer-contact';

describe('运维', () => {
  const f = useFixture();

  it('finds a failed event, shows it raw, replays it after the fix; replays a dead letter; runs a sync; checks the statistics; shows the audit log', async () => {
    const { page, errors, context } = await newTab(f.browser);
    const noSeriousViolations = async (where: string) => {
      const violations = await seriousAccessibilityViolations(page);
      expect(violations, `${where}: ${JSON.stringify(violations, null, 1)}`).toEqual([]);
    };

    // The clinic's Secret is wrong: the next customer's event fails (WeCom answers 40001).
    await f.server.api('/api/config', { method: 'PUT', body: { corp_secret: 'not-the-right-secret' } });
    const scan = await f.server.sim<{ external_userid: string }>('scan', { userid: 'zhangsan', state: 'douyin' });
    const ext = scan.external_userid;

    await signIn(page, f.server.base, f.server.token, '/dashboard/ops');
    await page.getByRole('heading', { level: 1, name: '运维' }).waitFor();
    await page.getByRole('tab', { name: '企业微信事件日志', selected: true }).waitFor();
    const row = page.getByRole('row').filter({ hasText: ext });
    await row.getByText('处理失败').waitFor({ timeout: 30_000 });
    await row.getByText('添加企业客户').waitFor();
    await noSeriousViolations('event log');
    await settled(page);
    await screenshot(page, 'ops-events');

    // The admin fixes the Secret, opens the event and replays it.
    await f.server.api('/api/config', { method: 'PUT', body: { corp_secret: SIM_SECRET } });
    await row.getByRole('button', { name: /^查看事件/ }).click();
    const drawer = page.getByRole('dialog', { name: '企业微信事件详情' });
    await drawer.getByTestId('event-status').getByText('处理失败').waitFor();
    await drawer.getByText('40001').first().waitFor();
    expect(await drawer.getByLabel('事件内容（JSON）', { exact: true }).textContent()).toContain(`"ExternalUserID": "${ext}"`);
    await drawer.getByRole('tab', { name: '原始 XML' }).click();
    expect(await drawer.getByLabel('解密后的原始事件（XML）', { exact: true }).textContent()).toContain(
      `<ExternalUserID><![CDATA[${ext}]]></ExternalUserID>`,
    );
    await noSeriousViolations('event drawer');
    await settled(page);
    await screenshot(page, 'ops-event-drawer');
    await drawer.getByRole('button', { name: '重新处理' }).click();
    await page.locator('.ant-popconfirm').getByRole('button', { name: '重新处理' }).click();
    const result = drawer.getByTestId('replay-result');
    await result.waitFor({ timeout: 30_000 });
    expect(await result.textContent()).toContain('重新处理结果：已处理');
    await drawer.getByTestId('event-status').getByText('已处理').waitFor();
    await drawer.getByRole('button', { name: 'Close' }).or(drawer.getByRole('button', { name: '关闭' })).first().click();
    await row.getByText('已处理').waitFor({ timeout: 10_000 });

    // A message that failed every attempt waits in 处理失败的消息 and is put back on its queue.
    const deadId = addDeadLetter(f.server.dataDir, 'sends', { kind: 'chunk', campaign_id: 42 });
    await page.getByRole('tab', { name: '处理失败的消息' }).click();
    await page.waitForURL((url) => url.searchParams.get('tab') === 'dead-letters');
    const letter = page.getByRole('row').filter({ hasText: '群发任务' });
    await letter.waitFor();
    await letter.getByRole('button', { name: `查看 ${deadId}` }).click();
    const letterDrawer = page.getByRole('dialog', { name: '处理失败的消息' });
    expect(await letterDrawer.getByLabel('消息内容（JSON）', { exact: true }).textContent()).toContain('"campaign_id": 42');
    await noSeriousViolations('dead letter drawer');
    await letterDrawer.getByRole('button', { name: '重新处理' }).click();
    await page.locator('.ant-popconfirm').getByRole('button', { name: '重新处理' }).click();
    await page.getByRole('status').filter({ hasText: `已放回「群发任务」队列重新处理（${deadId}）` }).first().waitFor();
    await page.getByText('没有处理失败的消息').waitFor();
    await noSeriousViolations('dead letters');
    await settled(page);
    await screenshot(page, 'ops-dead-letters');

    // A sync, started now and watched to its end (WeCom answers its customer page slowly, so the
    // run is seen in progress first).
    await f.server.sim('faults', { path: 'externalcontact/batch/get_by_user', delay_ms: 2500, times: 1 });
    await page.getByRole('tab', { name: '同步' }).click();
    await page.getByRole('button', { name: '立即同步' }).click();
    const progress = page.getByTestId('sync-progress');
    await progress.getByText('同步中…').waitFor({ timeout: 10_000 });
    await progress.getByText(/当前阶段/).waitFor();
    await progress.getByText('同步完成').waitFor({ timeout: 30_000 });
    await progress.locator('[aria-valuenow="100"]').or(progress.getByText('100%')).first().waitFor();
    await page.getByRole('row').filter({ hasText: '同步完成' }).first().waitFor();
    await noSeriousViolations('sync');
    await settled(page);
    await screenshot(page, 'ops-sync');

    // The statistics check: every counter recomputed from the records agrees; correcting is
    // confirmed first and audited.
    await page.getByRole('tab', { name: '统计校验' }).click();
    await page.getByRole('button', { name: /校\s*验$/ }).click();
    const check = page.getByTestId('stats-check-result');
    await check.getByText(/^全部一致：共 \d+ 项统计，核对了 \d+ 条记录。$/).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: '校验并修正' }).click();
    await page.getByRole('button', { name: /^修\s*正$/ }).click();
    await check.getByText(/^全部一致/).waitFor();
    await noSeriousViolations('statistics check');
    await settled(page);
    await screenshot(page, 'ops-stats-check');

    // The audit log: the Secret changed (twice), the replays and the sync.
    await page.getByRole('tab', { name: '操作日志' }).click();
    const audit = page.getByRole('table');
    await audit.getByText('开始同步').waitFor();
    await audit.getByText('修正统计').waitFor();
    await audit.getByText('重新处理失败的消息').waitFor();
    await audit.getByText('重新处理企业微信事件').waitFor();
    const configRows = page.getByRole('row').filter({ hasText: '修改企业微信配置' });
    expect(await configRows.count()).toBe(2);
    await configRows.first().getByText('Secret', { exact: true }).waitFor();
    // The chain of those entries verifies.
    await page.getByRole('button', { name: /校验完整性/ }).click();
    await page.getByTestId('audit-verify-result').getByText(/^完整：校验了第 1 至 \d+ 条/).waitFor();
    await noSeriousViolations('audit log');
    await settled(page);
    await screenshot(page, 'ops-audit');

    // The tab is in the address: a reload stays on it.
    await page.reload();
    await page.getByRole('tab', { name: '操作日志', selected: true }).waitFor();

    // On a tablet the tables scroll sideways inside the page.
    await page.setViewportSize({ width: 768, height: 1024 });
    await page.goto(`${f.server.base}/dashboard/ops?tab=events`);
    await page.getByRole('tab', { name: '企业微信事件日志', selected: true }).waitFor();
    await page.getByRole('row').filter({ hasText: ext }).filter({ hasText: '已处理' }).waitFor();
    await settled(page);
    await screenshot(page, 'ops-events-tablet');

    expect(errors).toEqual([]);
    await context.close();
  });
});
