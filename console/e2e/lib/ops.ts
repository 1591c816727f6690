/**
 * A dead letter for the 运维 and 概览 e2e tests.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

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
