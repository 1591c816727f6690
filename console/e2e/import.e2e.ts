/**
 * 客户导入与导出, end to end: a customer scanned a 小红书 「联系我」 and has a phone number on
 * record; the manager uploads a GBK-encoded CSV with Chinese headers on the customers page
 * (导入), sees the dry run's problems by row and column, confirms (确认导入) and sees the
 * imported tier in the list; a row matching no customer shows on the 线索 page; 导出 downloads
 * the list as CSV (UTF-8 with BOM) holding the imported tier.
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { newTab, screenshot, settled, signIn } from './lib/browser';
import { useFixture } from './lib/fixture';

interface CustomerPage {
  items: { external_userid: string; name: string; tier?: string | null }[];
}

/** GBK bytes of `text`: the decoder's table inverted (Node decodes GBK but has no encoder). */
function gbk(text: string): Buffer {
  const table = new Map<string, number[]>();
  const decoder = new TextDecoder('gbk');
  for (let lead = 0x81; lead <= 0xfe; lead++) {
    for (let trail = 0x40; trail <= 0xfe; trail++) {
      if (trail === 0x7f) continue;
      const ch = decoder.decode(new Uint8Array([lead, trail]));
      if (ch.length === 1 && ch !== '\ufffd' && !table.has(ch)) table.set(ch, [lead, trail]);
    }
  }
  const out: number[] = [];
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code < 0x80) out.push(code);
    else {
      const bytes = table.get(ch);
      if (!bytes) throw new Error(`not in GBK: ${ch}`);
      out.push(...bytes);
    }
  }
  return Buffer.from(out);
}

function row(page: Page, name: string) {
  return page.locator('.ant-table-row').filter({ hasText: name });
}

describe('客户导入与导出', () => {
  const f = useFixture();

  it('imports a GBK CSV after a dry run listing its problems, shows the tier, keeps a lead and exports the list', async () => {
    const { server, browser } = f;
    await server.sim('scan', { userid: 'zhangsan', state: 'xiaohongshu', name: '周女士', gender: 2 });
    await expect
      .poll(async () => (await server.api<CustomerPage>('/api/customers')).items.length, { timeout: 20_000 })
      .toBe(1);
    const zhou = (await server.api<CustomerPage>('/api/customers')).items[0]!;
    await server.api(`/api/customers/${zhou.external_userid}`, { method: 'PATCH', body: { phone: '13800000077' } });

    const csv = gbk(
      '手机号,等级,心理类型,营销授权,授权方式,备注\r\n' +
        '13800000077,A,理性型,是,书面,老客户\r\n' +
        '12345,B,,,,\r\n' +
        '13900000088,D,,,,\r\n' +
        '13900000066,C,感性型,否,口头,展会名单\r\n',
    );
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(csv)).toThrow();

    const { page, errors } = await newTab(browser);
    await signIn(page, server.base, server.token, '/dashboard/customers');
    await row(page, '周女士').waitFor();

    await page.getByRole('button', { name: /导\s?入/ }).click();
    const drawer = page.locator('.ant-drawer-content').filter({ hasText: '导入客户' });
    await drawer.waitFor();
    await drawer.locator('input[type=file]').setInputFiles({ name: '客户名单.csv', mimeType: 'text/csv', buffer: csv });
    await drawer.getByText('客户名单.csv').waitFor();
    await drawer.getByRole('button', { name: '检查文件' }).click();

    // The dry run: 2 rows with problems, each by row and column, in Chinese.
    await drawer.getByText('检查完成：2 行有问题，这些行不会导入').waitFor();
    const problems = drawer.getByRole('table', { name: '问题列表' }).or(drawer.locator('table').last());
    const third = drawer.locator('.ant-table-row').filter({ hasText: '手机号' });
    await expect.poll(() => third.locator('td').nth(0).innerText()).toBe('3');
    expect(await third.innerText()).toContain('11 位');
    const fourth = drawer.locator('.ant-table-row').filter({ hasText: '客户等级只能是' });
    await expect.poll(() => fourth.locator('td').nth(0).innerText()).toBe('4');
    expect(await fourth.locator('td').nth(1).innerText()).toBe('等级');
    expect(await drawer.getByText('GBK').count()).toBeGreaterThan(0);
    expect(await problems.count()).toBeGreaterThan(0);
    await settled(page);
    await screenshot(page, 'import-dry-run');
    // Nothing written yet.
    expect((await server.api<CustomerPage>('/api/customers')).items[0]!.tier ?? null).toBeNull();

    await drawer.getByRole('button', { name: '确认导入' }).click();
    await drawer.getByText('导入完成').waitFor();
    await screenshot(page, 'import-done');
    await drawer.getByRole('button', { name: '完成' }).click();
    await drawer.waitFor({ state: 'hidden' });

    // The list shows the imported tier and psych type.
    const zhouRow = row(page, '周女士');
    await expect.poll(() => zhouRow.innerText(), { timeout: 10_000 }).toContain('A 级');
    expect(await zhouRow.innerText()).toContain('理性型');

    // 导出 CSV: the file holds the list's customer with the tier and phone.
    expect(await page.getByRole('button', { name: /导出 Excel/ }).count()).toBe(1);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'CSV', exact: true }).click()]);
    expect(download.suggestedFilename()).toMatch(/^customers-\d{8}\.csv$/);
    const bytes = readFileSync(await download.path());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8');
    expect(text.split('\n')[0]).toContain('客户ID,手机号,unionid,姓名,等级');
    const line = text.split('\n').find((l) => l.includes(zhou.external_userid))!;
    expect(line).toContain('13800000077');
    expect(line).toContain(',A,');

    // The row matching no customer is a lead (线索).
    await page.getByRole('menuitem', { name: /线索/ }).click();
    await page.getByRole('heading', { level: 1, name: '线索' }).waitFor();
    const lead = row(page, '13900000066');
    await lead.waitFor();
    expect(await lead.innerText()).toContain('拒绝（口头）');
    expect(await lead.innerText()).toContain('待添加');
    await settled(page);
    await screenshot(page, 'leads');
    expect(errors).toEqual([]);
  });
});
