/**
 * Roles in the console: a consultant (a staff token made with `wecom-crm token create --role
 * consultant --userid zhangsan`, as the clinic's operator would) lands on their customers, sees
 * only the customers they follow and only the menu entries their role may open; a page of
 * another role, reached by its address, says so instead of failing.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, inject, it } from 'vitest';
import { newTab, screenshot, settled } from './lib/browser';
import { useFixture } from './lib/fixture';

interface CustomerPage {
  items: { external_userid: string; name: string }[];
}

describe('roles', () => {
  const f = useFixture();

  it('a consultant sees their own customers and only the pages of their role', async () => {
    const { server, browser } = f;
    const token = execFileSync(
      inject('wecomCrmBin'),
      ['token', 'create', '--role', 'consultant', '--userid', 'zhangsan', '--name', '张三', '--data-dir', server.dataDir],
      { encoding: 'utf8' },
    ).trim();
    expect(token).toMatch(/^wcrm_[0-9a-f]{64}$/);

    await server.sim('scan', { userid: 'zhangsan', state: 'xiaohongshu', name: '李女士', gender: 2 });
    await server.sim('scan', { userid: 'lisi', state: 'douyin', name: '王先生', gender: 1 });
    const deadline = Date.now() + 20_000;
    while ((await server.api<CustomerPage>('/api/customers')).items.length < 2) {
      if (Date.now() > deadline) throw new Error('the scans were not processed');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const { page, errors } = await newTab(browser);
    await page.goto(`${server.base}/login#token=${token}`);
    // Their home is their customers (概览 is a manager's page).
    await page.waitForURL((url) => url.pathname === '/dashboard/customers');
    await page.getByRole('heading', { level: 1, name: '客户' }).waitFor();
    await page.locator('.ant-table-row').filter({ hasText: '李女士' }).waitFor();
    await settled(page);
    expect(await page.locator('.ant-table-row').filter({ hasText: '王先生' }).count()).toBe(0);
    await expect.poll(() => page.locator('.app-user').innerText()).toContain('张三');
    expect(await page.locator('.app-user').innerText()).toContain('顾问');

    // Their customer's drawer: everything but the data-subject requests (an administrator's).
    await page.locator('.ant-table-row').filter({ hasText: '李女士' }).getByRole('button', { name: '查看 李女士 的详情' }).click();
    const drawer = page.locator('.ant-drawer-content');
    await drawer.getByRole('button', { name: /发送消息/ }).waitFor();
    expect(await drawer.getByRole('button', { name: /删除个人信息|导出个人信息/ }).count()).toBe(0);
    await page.keyboard.press('Escape');

    // Their list is theirs: no follow-user to choose.
    expect(await page.getByLabel('跟进人', { exact: true }).count()).toBe(0);

    const menu = await page.getByRole('navigation', { name: '主菜单' }).locator('.ant-menu-item').allInnerTexts();
    expect(menu.map((m) => m.trim())).toEqual(['客户', '预约', '「联系我」']);
    await screenshot(page, 'roles-consultant-customers');

    // 「联系我」: they use the codes; creating, editing and deleting is a manager's.
    await page.getByRole('navigation', { name: '主菜单' }).getByText('「联系我」').click();
    await page.getByRole('heading', { level: 1, name: '「联系我」' }).waitFor();
    await settled(page);
    expect(await page.getByRole('button', { name: /新建「联系我」/ }).count()).toBe(0);

    // 运维 by its address: refused in words, and no request the API would refuse.
    await page.goto(`${server.base}/dashboard/ops`);
    await page.getByText('无权访问此页面').waitFor();
    await page.getByText('「运维」需要管理员权限，请联系管理员。').waitFor();
    expect(errors).toEqual([]);
  });
});
