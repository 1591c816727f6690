/**
 * What the console costs a browser: bytes loaded per route (gzip, as a CDN or `serve` sends
 * them) and how long each page takes to become usable on localhost — with 100 000 customers in
 * the store, against the same page on an empty store (the baseline, same run).
 *
 *   cd console && npm run bench            # BENCH_CUSTOMERS=100000 by default
 *
 * "Usable" = from navigation start until the page's h1 shows and no loading indicator (spinner,
 * skeleton) is left. Each page is loaded BENCH_RUNS times (default 5) in a fresh tab with the
 * HTTP cache warm (the usual case) and once cold for the byte count. Prints a Markdown table for
 * BENCHMARKS.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launch } from '../lib/browser';
import { gzipBytesLoaded } from '../lib/bytes';
import { startServer, type Server } from '../lib/server';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

const PAGES = [
  { path: '/dashboard', heading: '概览' },
  { path: '/dashboard/customers', heading: '客户' },
  { path: '/dashboard/wework/contact-ways', heading: '「联系我」' },
  { path: '/dashboard/wework/config', heading: '企业微信配置' },
  { path: '/dashboard/wework/messages', heading: '消息推送' },
  { path: '/dashboard/wework/messages/new', heading: '新建推送任务' },
  { path: '/dashboard/automations', heading: '自动化' },
  { path: '/dashboard/ops', heading: '运维' },
];

async function signInQuietly(page: Page, server: Server): Promise<void> {
  await page.goto(`${server.base}/login#token=${server.token}`);
  await page.waitForURL((url) => url.pathname === '/dashboard');
}

async function usableMs(page: Page, server: Server, path: string, heading: string): Promise<number> {
  const started = Date.now();
  await page.goto(`${server.base}${path}`);
  await page.getByRole('heading', { level: 1, name: heading }).waitFor({ timeout: 30_000 });
  await page.waitForFunction(
    () => document.querySelectorAll('.ant-spin-spinning, .ant-skeleton, .ant-table-placeholder .ant-spin').length === 0,
    undefined,
    { timeout: 30_000, polling: 10 },
  );
  return Date.now() - started;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function timings(browser: Browser, server: Server): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await signInQuietly(page, server);
  for (const target of PAGES) await usableMs(page, server, target.path, target.heading); // warm the cache
  for (let run = 0; run < RUNS; run++) {
    for (const target of PAGES) {
      const ms = await usableMs(page, server, target.path, target.heading);
      out.set(target.path, [...(out.get(target.path) ?? []), ms]);
    }
  }
  await context.close();
  return out;
}

it(`pages on an empty store and on ${CUSTOMERS} customers`, async () => {
  const binary = inject('wecomCrmBin');
  const consoleDist = inject('consoleDist');
  const browser = await launch(inject('chromium'));
  const seeded = mkdtempSync(join(tmpdir(), 'wecom-crm-bench-'));
  const seedStarted = Date.now();
  execFileSync(binary, ['seed', '--data-dir', seeded, '--customers', String(CUSTOMERS)], { stdio: 'ignore' });
  const seedSecs = (Date.now() - seedStarted) / 1000;

  const empty = await startServer({ binary, consoleDist });
  const baseline = await timings(browser, empty);
  const loginBytes = await gzipBytesLoaded(browser, empty, consoleDist, '/login', false);
  await empty.stop();

  const full = await startServer({ binary, consoleDist, dataDir: seeded });
  const loaded = await timings(browser, full);
  // The dashboard as a clinic sees it: charts drawn from the seeded customers.
  const dashboardBytes = await gzipBytesLoaded(browser, full, consoleDist, '/dashboard', true);
  await full.stop();
  await browser.close();

  const rows = PAGES.map((p) => {
    const base = median(baseline.get(p.path) ?? []);
    const big = median(loaded.get(p.path) ?? []);
    const worst = Math.max(...(loaded.get(p.path) ?? [0]));
    return `| \`${p.path}\` | ${base} ms | ${big} ms (max ${worst}) | ${(big / Math.max(base, 1)).toFixed(2)} × |`;
  });
  console.log(
    [
      `Seeded ${CUSTOMERS} customers in ${seedSecs.toFixed(1)} s; ${RUNS} loads per page, median.`,
      '',
      `| route | bytes loaded (gzip) |`,
      `|---|---|`,
      `| \`/login\` (signed out) | ${(loginBytes / 1024).toFixed(1)} KB |`,
      `| \`/dashboard\` (with its charts and data) | ${(dashboardBytes / 1024).toFixed(1)} KB |`,
      '',
      `| page | usable, empty store (baseline) | usable, ${CUSTOMERS} customers | ratio |`,
      `|---|---|---|---|`,
      ...rows,
    ].join('\n'),
  );
  expect(loginBytes).toBeGreaterThan(0);
  for (const p of PAGES) expect(median(loaded.get(p.path) ?? []), p.path).toBeGreaterThan(0);
});
