/**
 * 客户导入 in slices, end to end: the server does one row a request (`IMPORT_SLICE_MS=0`, as
 * the admin API on Lambda does a few seconds' worth), and the drawer sends the same file slice
 * after slice — the check, then the import — showing rows done of rows; 取消 stops the import
 * between slices and 继续导入 finishes it, every row imported once.
 */
import type { Page, Request } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { newTab, signIn } from './lib/browser';
import { useFixture } from './lib/fixture';

interface CustomerPage {
  items: { external_userid: string; name: string; tier?: string | null }[];
}

interface LeadPage {
  items: { phone?: string | null; name?: string | null; tier?: string | null }[];
}

const LEADS = 10;

function file(): Buffer {
  let csv = '手机号,姓名,等级\r\n13800000055,,A\r\n12345,坏号码,B\r\n';
  for (let i = 0; i < LEADS; i++) csv += `139000001${String(i).padStart(2, '0')},分批线索${i},B\r\n`;
  return Buffer.from(csv, 'utf8');
}

/** The `start_row` of each import request the page sends, by run. */
function slicesSent(page: Page): { check: string[]; import: string[] } {
  const sent = { check: [] as string[], import: [] as string[] };
  page.on('request', (request: Request) => {
    const url = new URL(request.url());
    if (url.pathname !== '/api/customers/import') return;
    const from = url.searchParams.get('start_row') ?? '2';
    (url.searchParams.get('dry_run') === 'true' ? sent.check : sent.import).push(from);
  });
  return sent;
}

describe('客户导入（分批）', () => {
  const f = useFixture({ extraEnv: { IMPORT_SLICE_MS: '0' } });

  it('checks and imports a file one slice after another, shows the progress, and goes on after 取消', async () => {
    const { server, browser } = f;
    await server.sim('scan', { userid: 'zhangsan', state: 'xiaohongshu', name: '吴女士', gender: 2 });
    await expect
      .poll(async () => (await server.api<CustomerPage>('/api/customers')).items.length, { timeout: 20_000 })
      .toBe(1);
    const wu = (await server.api<CustomerPage>('/api/customers')).items[0]!;
    await server.api(`/api/customers/${wu.external_userid}`, { method: 'PATCH', body: { phone: '13800000055' } });

    const { page, errors } = await newTab(browser);
    const sent = slicesSent(page);
    // Each slice takes a moment, as on Lambda, so the progress can be seen between slices.
    await page.route('**/api/customers/import?**', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 250));
      await route.continue();
    });
    await signIn(page, server.base, server.token, '/dashboard/customers');
    await page.locator('.ant-table-row').filter({ hasText: '吴女士' }).waitFor();
    await page.getByRole('button', { name: /导\s?入/ }).click();
    const drawer = page.locator('.ant-drawer-content').filter({ hasText: '导入客户' });
    await drawer.waitFor();
    await drawer.locator('input[type=file]').setInputFiles({ name: '分批名单.csv', mimeType: 'text/csv', buffer: file() });
    await drawer.getByText('分批名单.csv').waitFor();

    // The check: one request a row, the progress counting up, the problems of every slice.
    await drawer.getByRole('button', { name: '检查文件' }).click();
    const status = drawer.getByRole('status');
    await expect.poll(() => status.innerText(), { timeout: 20_000 }).toMatch(/正在检查：已处理 [1-9]\d* \/ 12 行/);
    await drawer.getByText('检查完成：1 行有问题，这些行不会导入').waitFor({ timeout: 60_000 });
    expect(sent.check).toEqual(['2', ...Array.from({ length: 11 }, (_, i) => String(i + 3))]);
    const bad = drawer.locator('.ant-table-row').filter({ hasText: '11 位' });
    await expect.poll(() => bad.first().locator('td').nth(0).innerText()).toBe('3');
    expect((await server.api<LeadPage>('/api/leads')).items).toEqual([]);

    // The import, cancelled part-way: it stops after the slice in flight.
    await drawer.getByRole('button', { name: '确认导入' }).click();
    await expect.poll(() => status.innerText(), { timeout: 20_000 }).toMatch(/正在导入：已处理 [3-9] \/ 12 行/);
    await drawer.getByRole('button', { name: /^取\s?消$/ }).click();
    const stopped = drawer.getByText(/^已取消导入：已处理 \d+ \/ 12 行$/);
    await stopped.waitFor({ timeout: 20_000 });
    const doneAtCancel = Number(/已处理 (\d+)/.exec(await stopped.innerText())![1]);
    expect(doneAtCancel).toBeLessThan(12);
    expect(sent.import.length).toBe(doneAtCancel);
    const leadsAtCancel = (await server.api<LeadPage>('/api/leads')).items.length;
    expect(leadsAtCancel).toBeLessThan(LEADS);

    // 继续导入 goes on from the next row to the end; every row imported once.
    await drawer.getByRole('button', { name: '继续导入' }).click();
    await drawer.getByText('导入完成').waitFor({ timeout: 60_000 });
    expect(await drawer.getByText(/更新 11 行，无变化 0 行，线索 10 行，1 行有问题未导入/).count()).toBe(1);
    expect(sent.import).toEqual(['2', ...Array.from({ length: 11 }, (_, i) => String(i + 3))]);
    const leads = (await server.api<LeadPage>('/api/leads')).items;
    expect(leads.length).toBe(LEADS);
    expect(new Set(leads.map((l) => l.phone)).size).toBe(LEADS);
    expect((await server.api<CustomerPage>('/api/customers')).items[0]!.tier).toBe('A');
    const audit = await server.api<{ items: { action: string }[] }>('/api/audit-logs?limit=100');
    // One audit entry per slice of the import (none for the check).
    expect(audit.items.filter((e) => e.action === 'customer.import').length).toBe(12);
    expect(errors).toEqual([]);
  });
});
