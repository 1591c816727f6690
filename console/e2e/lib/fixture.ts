/** What most e2e files need: a fresh server and a browser, started once per file. */
import { afterAll, beforeAll, inject } from 'vitest';
import type { Browser } from 'playwright-core';
import { launch } from './browser';
import { startServer, type Server } from './server';

export interface Fixture {
  server: Server;
  browser: Browser;
}

export function useFixture(options: { extraEnv?: Record<string, string>; dataDir?: string } = {}): Fixture {
  const fixture = {} as Fixture;
  beforeAll(async () => {
    fixture.server = await startServer({
      binary: inject('wecomCrmBin'),
      consoleDist: inject('consoleDist'),
      ...options,
    });
    fixture.browser = await launch(inject('chromium'));
  });
  afterAll(async () => {
    await fixture.browser?.close();
    await fixture.server?.stop();
  });
  return fixture;
}
