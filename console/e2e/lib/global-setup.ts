/**
 * Before any e2e file: the console is built, the `wecom-crm` binary exists, Chromium is installed
 * (Debian's package, with apt when missing and we are root; never a downloaded browser).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

const consoleDir = fileURLToPath(new URL('../..', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

/** A Chinese font, so screenshots show the console's text rather than boxes. */
const CJK_FONT = '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc';

function ensureChromium(): void {
  const missing = [
    ...(existsSync(CHROMIUM) ? [] : ['chromium']),
    ...(existsSync(CJK_FONT) ? [] : ['fonts-wqy-microhei']),
  ];
  if (missing.length === 0) return;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root) {
    if (missing.includes('chromium')) {
      throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium fonts-wqy-microhei)`);
    }
    console.warn('e2e: no Chinese font (apt-get install fonts-wqy-microhei): screenshots will show boxes');
    return;
  }
  console.log(`e2e: installing ${missing.join(' ')} with apt-get`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', ...missing], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/** `E2E_CONSOLE_DIST` points at a build made elsewhere (e.g. `vite build --outDir /tmp/x`). */
const consoleDist = process.env.E2E_CONSOLE_DIST ?? `${consoleDir}/dist`;

/** Vitest sets NODE_ENV=test; the console under test is the production build. */
const production = { ...process.env, NODE_ENV: 'production' };

function ensureConsoleBuilt(): void {
  if (process.env.E2E_SKIP_BUILD === '1' && existsSync(`${consoleDist}/index.html`)) return;
  if (process.env.E2E_CONSOLE_DIST) {
    console.log(`e2e: building the console into ${consoleDist}`);
    execFileSync('npx', ['vite', 'build', '--logLevel', 'warn', '--emptyOutDir', '--outDir', consoleDist], {
      cwd: consoleDir,
      stdio: 'inherit',
      env: production,
    });
    return;
  }
  console.log('e2e: building the console (npm run build)');
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: consoleDir, stdio: 'inherit', env: production });
}

function ensureBinary(): string {
  if (process.env.WECOM_CRM_BIN) return process.env.WECOM_CRM_BIN;
  console.log('e2e: cargo build -p wecom-crm');
  const build = spawnSync('cargo', ['build', '--quiet', '-p', 'wecom-crm'], { cwd: repoRoot, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('cargo build -p wecom-crm failed');
  const metadata = JSON.parse(
    execFileSync('cargo', ['metadata', '--format-version', '1', '--no-deps'], { cwd: repoRoot, encoding: 'utf8' }),
  ) as { target_directory: string };
  return `${metadata.target_directory}/debug/wecom-crm`;
}

export default function setup(project: TestProject): void {
  ensureChromium();
  ensureConsoleBuilt();
  const binary = ensureBinary();
  project.provide('wecomCrmBin', binary);
  project.provide('consoleDist', consoleDist);
  project.provide('chromium', CHROMIUM);
}

declare module 'vitest' {
  export interface ProvidedContext {
    wecomCrmBin: string;
    consoleDist: string;
    chromium: string;
  }
}
