/**
 * 员工绩效, through the UI: WeCom's behaviour data for 张三 seeded in the simulator (two days
 * ago and twenty days ago) and imported through the admin API; the page shows his chats, reply
 * rate and reply time for the last 30 days, and only the recent day after switching to 7 days.
 */
import { describe, expect, it } from 'vitest';
import { newTab, screenshot, seriousAccessibilityViolations, settled, signIn } from './lib/browser';
import { useFixture } from './lib/fixture';

/** The Beijing calendar day `back` days ago, `YYYY-MM-DD`. */
function beijingDay(back: number): string {
  return new Date(Date.now() + 8 * 3_600_000 - back * 86_400_000).toISOString().slice(0, 10);
}

describe('员工绩效', () => {
  const f = useFixture();

  it('shows a seeded consultant’s figures and follows the period', async () => {
    await f.server.sim('behavior', {
      days: [
        { userid: 'zhangsan', date: beijingDay(2), chat_cnt: 40, message_cnt: 100, reply_percentage: 75, avg_reply_time: 6 },
        { userid: 'zhangsan', date: beijingDay(20), chat_cnt: 7, message_cnt: 9, reply_percentage: 100, avg_reply_time: 2 },
      ],
    });
    await f.server.api('/api/stats/consultants/import', { body: { days: 30 } });

    const { page, errors, context } = await newTab(f.browser);
    await signIn(page, f.server.base, f.server.token, '/dashboard/performance');
    await page.getByRole('heading', { level: 1, name: '员工绩效' }).waitFor();
    // The menu leads here too.
    expect(await page.getByRole('menuitem', { name: /员工绩效/ }).count()).toBe(1);

    const row = page.getByRole('row').filter({ hasText: /张三|zhangsan/ });
    await row.waitFor();
    const cells = row.getByRole('cell');
    // 顾问, 新增客户, 流失客户, 聊天数, 发送消息数, 回复率, 平均回复时长…
    await expect.poll(() => cells.nth(3).textContent()).toBe('47');
    expect(await cells.nth(4).textContent()).toBe('109');
    // (40 × 75 + 7 × 100) / 47 = 78.7%; (40 × 6 + 7 × 2) / 47 = 5.4 minutes.
    expect(await cells.nth(5).textContent()).toBe('78.7%');
    expect(await cells.nth(6).textContent()).toBe('5.4 分钟');
    const chart = page.getByRole('img', { name: /聊天/ });
    expect(await chart.getAttribute('aria-label')).toMatch(/聊天 47 次/);
    await page.waitForLoadState('networkidle');
    const violations = await seriousAccessibilityViolations(page);
    expect(violations, JSON.stringify(violations, null, 1)).toEqual([]);
    await settled(page);
    await screenshot(page, 'performance-30-days');

    // The last 7 days: only the recent day counts.
    await page.getByText('近 7 天', { exact: true }).click();
    await page.waitForURL((url) => url.searchParams.get('from') === beijingDay(6));
    await expect.poll(() => cells.nth(3).textContent()).toBe('40');
    expect(await cells.nth(5).textContent()).toBe('75%');
    await settled(page);
    await screenshot(page, 'performance-7-days');

    expect(errors).toEqual([]);
    await context.close();
  });
});
