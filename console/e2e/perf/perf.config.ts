import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** The console's benchmark (`npm run bench`): not part of the test run. */
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: ['perf/**/*.perf.ts'],
    environment: 'node',
    globalSetup: ['./lib/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 600_000,
    reporters: ['default'],
  },
});
