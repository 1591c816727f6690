/**
 * Headless Chromium (Debian's /usr/bin/chromium) through playwright-core, with the flags this
 * machine's closed network needs, and what every e2e test wants of a page: console errors
 * collected, sign-in by the login link, axe-core, screenshots.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const require = createRequire(import.meta.url);

export const SCREENSHOTS = fileURLToPath(new URL('../out/screenshots/', import.meta.url));

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export async function launch(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, args: FLAGS, headless: true });
}

export interface Tab {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions seen so far. */
  errors: string[];
}

/**
 * A new tab at 1280×800 (or `viewport`), in a time zone far from Beijing so that the tests prove
 * the console shows Beijing time whatever the browser's zone.
 */
export async function newTab(browser: Browser, viewport = { width: 1280, height: 800 }): Promise<Tab> {
  const context = await browser.newContext({
    viewport,
    locale: 'zh-CN',
    timezoneId: 'America/Los_Angeles',
    acceptDownloads: true,
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console.error: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  return { context, page, errors };
}

/** Signs in the way a clinic admin does: the link `serve` prints. */
export async function signIn(page: Page, base: string, token: string, path = '/dashboard'): Promise<void> {
  await page.goto(`${base}/login#token=${token}`);
  await page.waitForURL((url) => url.pathname === '/dashboard');
  if (path !== '/dashboard') await page.goto(`${base}${path}`);
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  /** Each offending element and axe's account of why. */
  nodes: { target: string[]; summary: string }[];
}

/**
 * axe-core's serious and critical violations of the page at rest: the mouse moved off any hover
 * state and every finite animation or transition finished (a sider collapsing at a breakpoint, a
 * fade-in: mid-way their text has not yet its final contrast). axe is evaluated through the
 * DevTools protocol: the console's CSP (script-src 'self') refuses an injected inline script
 * tag, as it should.
 */
export async function seriousAccessibilityViolations(page: Page): Promise<AxeViolation[]> {
  await page.mouse.move(0, 0);
  await settled(page);
  const source = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source);
  const violations = await page.evaluate(async () => {
    // axe's own result shape, as much of it as is read here.
    interface Found {
      id: string;
      impact: string | null;
      help: string;
      nodes: { target: string[]; failureSummary?: string }[];
    }
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: Found[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, summary: n.failureSummary ?? '' })),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Waits until no finite CSS animation or transition runs (a fade-out, a tab's ink bar, a sider collapsing). */
export async function settled(page: Page): Promise<void> {
  await page.waitForFunction(
    () => document.getAnimations().filter((a) => a.effect?.getTiming().iterations !== Infinity).length === 0,
    undefined,
    { timeout: 5_000 },
  );
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: false });
}
