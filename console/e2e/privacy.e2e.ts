/**
 * 客户 → 个人信息, end to end: two customers scan; in the first one's drawer 导出个人信息
 * downloads a JSON file of everything held about them, and 删除个人信息 (after typing the reason
 * in the confirmation dialog) erases them: the drawer closes, the list shows only the other
 * customer, and the API no longer knows them.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { newTab, signIn } from './lib/browser';
import { useFixture } from './lib/fixture';

interface CustomerPage {
  items: { external_userid: string; name: string }[];
}

describe('客户个人信息', () => {
  const f = useFixture();

  it('exports a customer as JSON, then erases them after a reason is typed; the list no longer shows them', async () => {
    const { server, browser } = f;
    await server.sim('scan', { userid: 'zhangsan', state: 'xiaohongshu', name: '赵女士', gender: 2 });
    await server.sim('scan', { userid: 'lisi', state: 'douyin', name: '钱先生', gender: 1 });
    await expect
      .poll(async () => (await server.api<CustomerPage>('/api/customers')).items.length, { timeout: 20_000 })
      .toBe(2);
    const zhao = (await server.api<CustomerPage>('/api/customers')).items.find((c) => c.name === '赵女士')!;

    const { page, errors } = await newTab(browser);
    await signIn(page, server.base, server.token, '/dashboard/customers');
    const row = page.locator('.ant-table-row').filter({ hasText: '赵女士' });
    await row.waitFor();
    await row.getByText('赵女士').click();
    const drawer = page.locator('.ant-drawer-content');
    await drawer.getByRole('heading', { name: '赵女士' }).waitFor();

    // 导出个人信息: a JSON download holding their record.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      drawer.getByRole('button', { name: /导出个人信息/ }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`customer-${zhao.external_userid}.json`);
    const exported = JSON.parse(readFileSync(await download.path(), 'utf8')) as { external_userid: string };
    expect(exported.external_userid).toBe(zhao.external_userid);
    expect(JSON.stringify(exported)).toContain('赵女士');

    // 删除个人信息: the confirmation needs a reason; then the drawer closes and the list updates.
    await drawer.getByRole('button', { name: /删除个人信息/ }).click();
    const dialog = page.locator('.ant-modal-content').filter({ hasText: '删除后无法恢复' });
    await dialog.waitFor();
    const confirm = dialog.getByRole('button', { name: /确认删除/ });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel('删除原因').fill('客户本人申请删除');
    await confirm.click();
    await page.getByText('已删除该客户的个人信息').waitFor();
    await drawer.waitFor({ state: 'hidden' });
    await row.waitFor({ state: 'detached' });
    await page.locator('.ant-table-row').filter({ hasText: '钱先生' }).waitFor();
    const left = await server.api<CustomerPage>('/api/customers');
    expect(left.items.map((c) => c.name)).toEqual(['钱先生']);
    expect(errors).toEqual([]);
  });
});
