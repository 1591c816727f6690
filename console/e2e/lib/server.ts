/**
 * A real `wecom-crm serve --simulate` on a free loopback port with a fresh data directory and a
 * random admin token, serving the built console.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Server {
  base: string;
  token: string;
  dataDir: string;
  /** The API with the admin token (for what a test checks or an outside system does). */
  api<T = unknown>(path: string, init?: { method?: string; body?: unknown }): Promise<T>;
  /** The WeCom simulator's control API: stands in for customers and consultants. */
  sim<T = unknown>(path: string, body?: unknown): Promise<T>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string, child: ChildProcess, output: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wecom-crm exited (${child.exitCode}):\n${output()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`wecom-crm did not answer ${url} within ${timeoutMs} ms:\n${output()}`);
}

export async function startServer(options: {
  binary: string;
  consoleDist: string;
  dataDir?: string;
  extraEnv?: Record<string, string>;
}): Promise<Server> {
  const port = await freePort();
  const token = randomBytes(24).toString('hex');
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'wecom-crm-e2e-'));
  const ownsDataDir = options.dataDir === undefined;
  let log = '';
  const child = spawn(
    options.binary,
    ['serve', '--simulate', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--console-dir', options.consoleDist],
    {
      // Send results read every 2 s (local default 60 s), so funnels move within a test.
      env: { ...process.env, WEWORK_ADMIN_TOKEN: token, RUST_LOG: 'warn', WECOM_CRM_TRACKING_SECS: '2', ...options.extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`${base}/healthz`, child, () => log);

  const json = async <T>(response: Response, what: string): Promise<T> => {
    const text = await response.text();
    if (!response.ok) throw new Error(`${what}: HTTP ${response.status} ${text}`);
    return (text ? JSON.parse(text) : null) as T;
  };

  return {
    base,
    token,
    dataDir,
    async api<T>(path: string, init?: { method?: string; body?: unknown }) {
      const response = await fetch(`${base}${path}`, {
        method: init?.method ?? (init?.body === undefined ? 'GET' : 'POST'),
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: init?.body === undefined ? undefined : JSON.stringify(init.body),
      });
      return json<T>(response, `${init?.method ?? 'GET'} ${path}`);
    },
    async sim<T>(path: string, body?: unknown) {
      const response = await fetch(`${base}/sim/control/${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return json<T>(response, `sim ${path}`);
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGINT');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            child.kill('SIGKILL');
            resolve();
          }, 10_000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
