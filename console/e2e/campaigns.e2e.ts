/**
 * 消息推送, end to end (the seed's scenario 2, small): customers scanned 「联系我」 of zhangsan
 * (小红书) and lisi (抖音) and have tiers, consent and purchases; in the browser the admin creates
 * a campaign for women of tier A or B without a purchase in 30 days, the dry run shows the
 * counts and the skip reasons in Chinese, the message has a text with a link and a 图文链接 card
 * with an uploaded cover (previewed live), a time in quiet hours is warned about, and it is sent
 * now. The consultants confirm their group-send tasks in WeCom (the simulator), a customer opens
 * the tracked link and books, and the detail page's funnel shows sent, clicked and booked, by
 * tier and by channel; the recipients list filters by status.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { beijing } from '@/lib/format';
import { newTab, screenshot, seriousAccessibilityViolations, settled, signIn } from './lib/browser';
import { CHANNELS } from './lib/channels';
import { useFixture } from './lib/fixture';
import type { Server } from './lib/server';

const DAY = 86_400_000;
/** A 1×1 PNG (the link card's cover). */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

interface Scan {
  external_userid: string;
}

/** A customer who scanned a consultant's 「联系我」, with the clinic's fields. */
async function customer(
  server: Server,
  who: { userid: string; state: string; name: string; gender: 1 | 2; tier?: 'A' | 'B' | 'C'; consent?: boolean },
): Promise<string> {
  const scan = await server.sim<Scan>('scan', { userid: who.userid, state: who.state, name: who.name, gender: who.gender });
  const id = scan.external_userid;
  // The add event is processed asynchronously: the customer exists once the consent is recorded.
  for (let i = 0; ; i += 1) {
    try {
      await server.api(`/api/customers/${id}/consents`, {
        body: { purpose: 'marketing', granted: who.consent ?? true, method: 'written' },
      });
      if (who.tier) await server.api(`/api/customers/${id}`, { method: 'PATCH', body: { tier: who.tier } });
      return id;
    } catch (e) {
      if (i > 100) throw e;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function purchase(server: Server, id: string, daysAgo: number): Promise<void> {
  await server.api('/api/purchases', {
    body: { external_userid: id, amount_fen: 168000, item: '水光针', purchased_at_ms: Date.now() - daysAgo * DAY },
  });
}

/** Picks an option of an Ant Design Select by its form label. */
async function choose(page: Page, label: string, option: string) {
  await page.getByLabel(label, { exact: true }).locator('xpath=ancestor::div[contains(@class, "ant-select ")][1]').click();
  await page
    .locator('.ant-select-dropdown:visible .ant-select-item-option')
    .filter({ hasText: new RegExp(`^${option}$`) })
    .first()
    .click();
}

/** Clicks an Ant Design button-style radio by its text (its input is hidden). */
async function radio(page: Page, text: string) {
  await page.locator('label.ant-radio-button-wrapper').filter({ hasText: text }).click();
}

describe('消息推送', () => {
  const f = useFixture();

  it('creates a campaign for tier A/B women without a recent purchase and shows its funnel', async () => {
    const { server, browser } = f;
    // Quiet hours from two to four hours from now (Beijing), so that "now" is outside them.
    const now = beijing(Date.now());
    await server.api('/api/config', {
      method: 'PUT',
      body: {
        channels: CHANNELS,
        send_rules: {
          daily_cap_per_customer: 3,
          quiet_start: now.add(2, 'hour').format('HH:00'),
          quiet_end: now.add(4, 'hour').format('HH:00'),
        },
      },
    });
    const xhs = { userid: 'zhangsan', state: 'xiaohongshu' };
    const dy = { userid: 'lisi', state: 'douyin' };
    const li = await customer(server, { ...xhs, name: '李女士', gender: 2, tier: 'A' });
    await customer(server, { ...xhs, name: '王女士', gender: 2, tier: 'B' });
    const zhao = await customer(server, { ...xhs, name: '赵女士', gender: 2, tier: 'A' });
    await customer(server, { ...xhs, name: '钱女士', gender: 2, tier: 'C' });
    await customer(server, { ...xhs, name: '孙先生', gender: 1, tier: 'A' });
    const feng = await customer(server, { ...xhs, name: '冯女士', gender: 2, tier: 'A' });
    await customer(server, { ...dy, name: '周女士', gender: 2, tier: 'B' });
    await customer(server, { ...dy, name: '吴女士', gender: 2, tier: 'A', consent: false });
    const zheng = await customer(server, { ...dy, name: '郑女士', gender: 2, tier: 'B' });
    await purchase(server, zhao, 5); // bought recently: not in the audience
    await purchase(server, zheng, 40); // bought long ago: in it
    // zhangsan deletes 冯女士: the relationship has ended (skipped).
    await server.sim('delete', { userid: 'zhangsan', external_userid: feng, by: 'staff' });
    for (let i = 0; ; i += 1) {
      const c = await server.api<{ status: string }>(`/api/customers/${feng}`);
      if (c.status === 'ended') break;
      if (i > 100) throw new Error('the deletion was never processed');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const { page, errors, context } = await newTab(browser);
    await signIn(page, server.base, server.token, '/dashboard/wework/messages');
    await page.getByRole('heading', { level: 1, name: '消息推送' }).waitFor();
    await page.getByText('还没有推送任务').waitFor();
    await page.getByRole('link', { name: /新建推送任务/ }).first().click();
    await page.getByRole('heading', { level: 1, name: '新建推送任务' }).waitFor();

    // The audience: women, tier A and B, no purchase in 30 days; the dry run.
    await page.getByLabel('推送任务名称').fill('三八妇女节水光针特惠');
    await choose(page, '性别', '女');
    for (const tier of ['A 级', 'B 级']) {
      const box = page.getByRole('checkbox', { name: tier });
      await box.click();
      await expect.poll(() => box.isChecked()).toBe(true);
    }
    await page.getByLabel('未消费天数').fill('30');
    await page.getByRole('button', { name: /预览目标客户/ }).click();
    const dryRun = page.getByTestId('dry-run');
    await dryRun.waitFor();
    const stat = (title: string) => dryRun.locator('.ant-statistic').filter({ hasText: title }).locator('.ant-statistic-content-value');
    expect(await stat('目标客户').innerText()).toBe('6');
    expect(await stat('将发送').innerText()).toBe('4');
    expect(await stat('已跳过').innerText()).toBe('2');
    expect(await stat('群发任务').innerText()).toBe('2');
    await dryRun.getByText('未获营销授权').waitFor();
    await dryRun.getByText('已不是好友').waitFor();

    // The content: a text with a link and a 图文链接 with an uploaded cover, previewed live.
    await page.getByLabel('消息文字').fill('三八妇女节，水光针限时 8 折，详情 https://yanmei.example/spring 欢迎预约～');
    await page.getByRole('group', { name: '添加附件' }).getByRole('button', { name: /图文链接/ }).click();
    await page.getByLabel('标题', { exact: true }).fill('三八妇女节特惠 | 水光针 8 折');
    await page.getByLabel('跳转链接').fill('https://yanmei.example/book');
    await page.getByLabel('描述').fill('原价 2000 元，现价 1600 元，名额有限，点击预约。');
    await radio(page, '上传图片');
    await page.locator('.ant-card').filter({ hasText: '附件 1：图文链接' }).locator('input[type="file"]').setInputFiles({
      name: 'poster.png',
      mimeType: 'image/png',
      buffer: PNG,
    });
    const preview = page.getByRole('figure', { name: /消息预览/ });
    await preview.getByText('三八妇女节特惠 | 水光针 8 折').waitFor();
    await preview.getByRole('img', { name: '链接封面' }).waitFor();
    await preview.getByText('https://yanmei.example/spring').waitFor();

    // A time in quiet hours is warned about; then send now.
    await radio(page, '定时发送');
    const picker = page.getByLabel('发送时间（北京时间）');
    await picker.click();
    await picker.fill(now.add(3, 'hour').format('YYYY-MM-DD HH:00'));
    await picker.press('Enter');
    await page.getByText(/处于免打扰时段（.*北京时间），推送任务会顺延到/).waitFor();
    await radio(page, '立即发送');
    await page.getByText('创建后立即开始筛选客户并创建群发任务。').waitFor();
    await page.waitForLoadState('networkidle');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await preview.evaluate((element) => element.closest('.ant-card')?.scrollIntoView({ block: 'start' }));
    await settled(page);
    await screenshot(page, 'campaign-new-content');
    await dryRun.evaluate((element) => element.closest('.ant-card')?.parentElement?.closest('.ant-card')?.scrollIntoView({ block: 'start' }));
    await settled(page);
    await screenshot(page, 'campaign-new');

    await page.getByRole('button', { name: '创建推送任务' }).click();
    const confirm = page.getByRole('dialog');
    await confirm.getByText(/将向 4 位客户发送/).waitFor();
    await confirm.getByRole('button', { name: '创建推送任务' }).click();
    await page.waitForURL((url) => /\/dashboard\/wework\/messages\/[^/]+$/.test(url.pathname) && !url.pathname.endsWith('/new'));
    const campaignId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
    await page.getByRole('heading', { level: 1, name: '三八妇女节水光针特惠' }).waitFor();

    // Tasks are created: one per consultant, waiting for them in WeCom.
    await page.getByText('待成员确认发送').first().waitFor({ timeout: 30_000 });
    interface Task {
      creator: string;
      text: string | null;
      reminders: unknown[];
    }
    const tasks = await server.sim<Task[]>('groupmsgs');
    expect(tasks.map((t) => t.creator).sort()).toEqual(['lisi', 'zhangsan']);
    // 提醒成员发送: WeCom reminds both consultants (a task still being dispatched cannot be
    // reminded yet: the API says so, and the admin tries again).
    for (let attempt = 0; ; attempt += 1) {
      await page.getByRole('button', { name: '提醒成员发送' }).click();
      await page.locator('.ant-popconfirm').getByRole('button', { name: '提醒' }).click();
      // The remind answer, not an earlier notice still on screen (「推送任务已创建…」).
      const answer = page.locator('.ant-message-notice', { hasText: /提醒|没有等待成员发送的任务/ }).last();
      await answer.waitFor();
      const text = await answer.innerText();
      if (text.includes('已提醒 2 个群发任务的成员发送')) break;
      expect(text, 'the only refusal is a task still being dispatched').toContain('没有等待成员发送的任务');
      if (attempt > 10) throw new Error(`never reminded: ${text}`);
      await answer.waitFor({ state: 'detached' });
    }
    const reminded = await server.sim<Task[]>('groupmsgs');
    expect(reminded.map((t) => t.reminders.length)).toEqual([1, 1]);
    // The consultants confirm in the WeCom client.
    await server.sim('groupmsg/confirm', { userid: 'zhangsan' });
    await server.sim('groupmsg/confirm', { userid: 'lisi' });
    // 李女士 opens the tracked link of zhangsan's task (a 302 to the page) and books.
    const zhangsanTask = tasks.find((t) => t.creator === 'zhangsan');
    const tracked = /https?:\/\/\S+?\/t\/[A-Za-z0-9]+/.exec(zhangsanTask?.text ?? '')?.[0];
    expect(tracked, zhangsanTask?.text ?? '').toBeTruthy();
    const click = await fetch(tracked!, { redirect: 'manual' });
    expect(click.status).toBe(302);
    expect(click.headers.get('location')).toBe('https://yanmei.example/spring');
    await server.api('/api/appointments', {
      body: { external_userid: li, scheduled_at_ms: Date.now() + 3 * DAY, item: '水光针', source: 'mini_program' },
    });

    // The funnel (send results are read by the tracking schedule, every minute locally).
    const funnel = page.getByTestId('funnel-stats');
    const value = (title: string) =>
      funnel.locator('.ant-statistic').filter({ hasText: title }).locator('.ant-statistic-content-value').innerText();
    await expect.poll(() => value('成员已发送'), { timeout: 90_000, interval: 1_000 }).toBe('4');
    await expect.poll(() => value('已点击'), { timeout: 15_000 }).toBe('1');
    await expect.poll(() => value('已预约'), { timeout: 15_000 }).toBe('1');
    expect(await value('目标客户')).toBe('6');
    expect(await value('已跳过')).toBe('2');
    // By tier: A = 李 (sent, booked), 吴 (no consent), 冯 (ended); B = 王, 周, 郑 (sent).
    const tier = page.getByTestId('breakdown-客户分层');
    const tierRow = async (label: string) => (await tier.locator('tr').filter({ hasText: label }).innerText()).split(/\s+/);
    expect(await tierRow('A 级')).toEqual(['A', '级', '3', '2', '1', '0', '1', '1', '33.3%', '100.0%']);
    expect(await tierRow('B 级')).toEqual(['B', '级', '3', '0', '3', '0', '3', '0', '100.0%', '0.0%']);
    await page.getByRole('tab', { name: '按来源渠道' }).click();
    const channel = page.getByTestId('breakdown-来源渠道');
    await channel.locator('tr').filter({ hasText: '小红书' }).waitFor();
    await channel.locator('tr').filter({ hasText: '抖音' }).waitFor();
    await page.getByRole('tab', { name: '按客户分层' }).click();

    // Links: one per consultant's task; the clicked one shows its click.
    const links = page.locator('#links .ant-table-row');
    const clicked = async () =>
      (
        await links.evaluateAll((rows) => rows.map((row) => Number(row.querySelectorAll('td')[2]?.textContent ?? 'NaN')))
      ).reduce((a, b) => a + b, 0);
    await expect.poll(clicked, { timeout: 15_000 }).toBe(1);

    // Recipients: the skipped ones, with their reasons.
    await choose(page, '按客户状态筛选', '已跳过');
    const recipients = page.locator('#recipients .ant-table-row');
    await expect.poll(() => recipients.count()).toBe(2);
    const reasons = (await recipients.allInnerTexts()).join('\n');
    expect(reasons).toContain('未获营销授权');
    expect(reasons).toContain('已不是好友');
    await page.waitForLoadState('networkidle');
    await settled(page);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.getByRole('heading', { level: 1 }).scrollIntoViewIfNeeded();
    await screenshot(page, 'campaign-detail');
    await funnel.evaluate((element) => element.closest('.ant-card')?.scrollIntoView({ block: 'start' }));
    await settled(page);
    await screenshot(page, 'campaign-funnel');

    // The list: the campaign with its status and funnel summary.
    await page.getByRole('button', { name: '返回推送列表' }).click();
    await page.getByRole('heading', { level: 1, name: '消息推送' }).waitFor();
    const row = page.locator('.ant-table-row').filter({ hasText: '三八妇女节水光针特惠' });
    await row.getByText('已发送 4').waitFor();
    await row.getByText('已预约 1').waitFor();
    expect(await row.getByRole('link', { name: '三八妇女节水光针特惠' }).getAttribute('href')).toBe(
      `/dashboard/wework/messages/${encodeURIComponent(campaignId)}`,
    );
    await page.waitForLoadState('networkidle');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'campaigns');

    // On a 768 px tablet: the create and detail pages, accessible too.
    await page.setViewportSize({ width: 768, height: 1024 });
    await page.getByRole('link', { name: /新建推送任务/ }).first().click();
    await page.getByRole('heading', { level: 1, name: '新建推送任务' }).waitFor();
    await page.getByRole('figure', { name: /消息预览/ }).waitFor();
    await page.waitForLoadState('networkidle');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'campaign-new-tablet');
    await page.goto(`${server.base}/dashboard/wework/messages/${encodeURIComponent(campaignId)}`);
    await page.getByTestId('funnel-stats').waitFor();
    await page.waitForLoadState('networkidle');
    await settled(page);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'campaign-detail-tablet');

    expect(errors).toEqual([]);
    await context.close();
  });
});
