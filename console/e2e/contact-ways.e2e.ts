/**
 * 「联系我」, end to end (scenario 1's head): the clinic has a 小红书 channel; in the browser it
 * creates a 小红书 「联系我」 for consultant 张三 (zhangsan) in the drawer, sees it in the list,
 * previews its QR code and downloads it as a PNG; a customer scans it (the simulator stands in
 * for them) and the list's 添加客户数 goes up; another 「联系我」 is deleted after confirmation.
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { newTab, screenshot, seriousAccessibilityViolations, signIn } from './lib/browser';
import { CHANNELS } from './lib/channels';
import { useFixture } from './lib/fixture';

interface WayPage {
  items: { config_id: string; contact_way: { state: string; user: string[] } }[];
}

/** The table row of a 「联系我」 (by the text it shows). */
function row(page: Page, text: string) {
  return page.locator('.ant-table-row').filter({ hasText: text });
}

/** Picks the option of a searchable Select / AutoComplete by its label, with the keyboard. */
async function choose(page: Page, label: string, typed: string, option: string) {
  await page.getByRole('combobox', { name: label, exact: true }).focus();
  await page.keyboard.type(typed);
  const match = page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: option });
  await match.waitFor();
  // One option matches: the arrow makes it the active one if it is not already.
  if (!(await match.evaluate((el) => el.classList.contains('ant-select-item-option-active')))) {
    await page.keyboard.press('ArrowDown');
  }
  await page.keyboard.press('Enter');
}

describe('「联系我」', () => {
  const f = useFixture();

  it('creates a 小红书 「联系我」 for 张三, previews and downloads its QR, counts a scan, deletes another', async () => {
    const { server, browser } = f;
    await server.api('/api/config', {
      method: 'PUT',
      body: {
        channels: CHANNELS,
      },
    });
    // The one to delete later: a multi-member 抖音 way made through the API.
    await server.api('/api/contact-ways', { body: { type: 2, scene: 2, state: 'douyin', user: ['lisi', 'wangwu'] } });

    const { page, errors, context } = await newTab(browser);
    await signIn(page, server.base, server.token, '/dashboard/wework/contact-ways');
    await page.getByRole('heading', { level: 1, name: '「联系我」' }).waitFor();
    await row(page, '抖音').waitFor();

    // The drawer: 单人, 通过二维码联系, channel 小红书 picked by name, member 张三 by name.
    await page.getByRole('button', { name: '新建「联系我」' }).first().click();
    const drawer = page.locator('.ant-drawer-content').filter({ hasText: '新建「联系我」' });
    await drawer.waitFor();
    await choose(page, '渠道（渠道标识 state）', '小红书', '小红书（xiaohongshu）');
    await drawer.getByText('客户将打上「来源:小红书」标签').waitFor();
    await choose(page, '成员', '张三', '张三');
    await drawer.getByLabel('备注').fill('三八节笔记');
    await page.waitForLoadState('networkidle');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'contact-way-drawer');
    // The temporary session's options show for a single way (and are left off here).
    await drawer.getByRole('switch', { name: '启用临时会话' }).click();
    await drawer.getByLabel('会话有效期', { exact: true }).waitFor();
    await drawer.getByText('结束语', { exact: true }).waitFor();
    await screenshot(page, 'contact-way-drawer-temporary');
    await drawer.getByRole('switch', { name: '启用临时会话' }).click();
    await drawer.getByRole('button', { name: /^创\s?建$/ }).click();
    await page.getByText('已创建「联系我」').waitFor();
    await drawer.waitFor({ state: 'hidden' });

    // In the list: channel by name, the consultant by name, no customer yet.
    const xhs = row(page, '小红书');
    await xhs.waitFor();
    await xhs.getByText('张三').waitFor();
    await xhs.getByText('备注：三八节笔记').waitFor();
    const ways = await server.api<WayPage>('/api/contact-ways?state=xiaohongshu');
    expect(ways.items).toHaveLength(1);
    const configId = ways.items[0]!.config_id;
    expect(ways.items[0]!.contact_way.user).toEqual(['zhangsan']);
    const added = page.getByTestId(`customers-added-${configId}`);
    await expect.poll(() => added.innerText()).toBe('0');

    // Preview: the QR image served behind the token, and its PNG download.
    await xhs.getByRole('button', { name: /预\s?览/ }).click();
    const modal = page.locator('.ant-modal-content').filter({ hasText: '预览二维码' });
    const image = modal.getByRole('img', { name: '「联系我」二维码：小红书' });
    await image.waitFor();
    await expect.poll(() => image.evaluate((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0)).toBe(true);
    await page.waitForLoadState('networkidle');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'contact-way-qr');
    const [download] = await Promise.all([page.waitForEvent('download'), modal.getByRole('button', { name: '下载 PNG' }).click()]);
    expect(download.suggestedFilename()).toBe('contact-way-xiaohongshu.png');
    const png = readFileSync(await download.path());
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    await modal.getByRole('button', { name: /关\s?闭/ }).click();
    await modal.waitFor({ state: 'hidden' });

    // A customer scans it; once WeCom's event is processed the count goes up.
    await server.sim('scan', { config_id: configId, name: '李女士', gender: 2 });
    await expect
      .poll(async () => (await server.api<{ customers_added?: number }>(`/api/contact-ways/${configId}`)).customers_added, {
        timeout: 20_000,
      })
      .toBe(1);
    await page.getByRole('button', { name: /刷\s?新/ }).click();
    await expect.poll(() => added.innerText()).toBe('1');
    await screenshot(page, 'contact-ways');

    // Delete the 抖音 way, after confirming.
    const dy = row(page, '抖音');
    await dy.getByRole('button', { name: /删\s?除/ }).click();
    const confirm = page.locator('.ant-popover:visible').filter({ hasText: '删除这个「联系我」？' });
    await confirm.waitFor();
    await confirm.getByRole('button', { name: /删\s?除/ }).click();
    await page.getByText('已删除，二维码已失效').waitFor();
    await dy.waitFor({ state: 'detached' });
    // The record stays, marked deleted.
    await page.getByRole('checkbox', { name: '显示已删除' }).check();
    await row(page, '抖音').getByText('已删除', { exact: true }).waitFor();
    await page.waitForLoadState('networkidle');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    expect(errors).toEqual([]);
    await context.close();

    // On a 768 px tablet: the list and the drawer.
    const tablet = await newTab(browser, { width: 768, height: 1024 });
    await signIn(tablet.page, server.base, server.token, '/dashboard/wework/contact-ways');
    await row(tablet.page, '小红书').waitFor();
    await tablet.page.waitForLoadState('networkidle');
    expect(await seriousAccessibilityViolations(tablet.page)).toEqual([]);
    await screenshot(tablet.page, 'contact-ways-tablet');
    await row(tablet.page, '小红书').getByRole('button', { name: '编辑' }).click();
    const edit = tablet.page.locator('.ant-drawer-content').filter({ hasText: '编辑「联系我」' });
    await edit.getByRole('combobox', { name: '成员' }).waitFor();
    expect(await seriousAccessibilityViolations(tablet.page)).toEqual([]);
    await screenshot(tablet.page, 'contact-way-drawer-tablet');
    expect(tablet.errors).toEqual([]);
    await tablet.context.close();
  });
});
