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
 * axe-core's serious and critical violations of the page at rest (the mouse moved off any hover
 * state), with axe evaluated by the DevTools protocol (the console's Content-Security-Policy
 * `script-src 'self'` refuses an injected inline script tag). `skip` leaves out whole rules.
 */
export async function seriousViolations(page: Page, options: { skip?: string[] } = {}): Promise<AxeViolation[]> {
  await page.mouse.move(0, 0);
  await settled(page);
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
