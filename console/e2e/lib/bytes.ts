/**
 * What a page load costs the network: gzip bytes of everything it fetched, assets counted as the
 * build's precompressed .gz (what `serve` and CloudFront send), API answers gzipped as sent.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import type { Server } from './server';

/** Loads `path` in a fresh tab with a cold cache (signed in first when `signedIn`). */
export async function gzipBytesLoaded(
  browser: Browser,
  server: Server,
  dist: string,
  path: string,
  signedIn: boolean,
): Promise<number> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  if (signedIn) {
    await page.goto(`${server.base}/login#token=${server.token}`);
    await page.waitForURL((url) => url.pathname === '/dashboard');
    await page.waitForLoadState('networkidle');
  }
  const urls: string[] = [];
  page.on('requestfinished', (request) => urls.push(request.url()));
  // A cold cache: the sign-in page already fetched the entry, and a first visit fetches it too.
  const session = await context.newCDPSession(page);
  await session.send('Network.clearBrowserCache');
  await session.send('Network.setCacheDisabled', { cacheDisabled: true });
  await page.goto(`${server.base}${path}`, { waitUntil: 'networkidle' });
  let total = 0;
  for (const url of urls) {
    const { pathname } = new URL(url);
    const file = join(dist, pathname === '/' || !pathname.includes('.') ? 'index.html' : pathname);
    if (pathname.startsWith('/api/') || pathname === '/config.json' || !existsSync(file)) {
      const response = await context.request.get(url, {
        headers: { Authorization: `Bearer ${server.token}`, 'Accept-Encoding': 'gzip' },
      });
      total += gzipSync(await response.body()).length;
    } else if (existsSync(`${file}.gz`)) {
      total += statSync(`${file}.gz`).size;
    } else {
      total += gzipSync(readFileSync(file)).length;
    }
  }
  await context.close();
  return total;
}
