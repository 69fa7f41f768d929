import { defineConfig } from 'vitest/config';

/**
 * The web app's end-to-end test: the real API (embedded PostgreSQL) and the production build
 * (`next build` + `next start`), driven by Debian's Chromium through playwright-core. One file, one
 * browser, the flows in order; every process it starts is stopped in afterAll (or on exit).
 */
export default defineConfig({
  test: {
    include: ['test/**/*.e2e.test.ts'],
    globalSetup: ['../scripts/test-run-tmpdir.mjs'],
    environment: 'node',
    pool: 'forks',
    fileParallelism: false,
    // next build (~1-2 min on 2 shared cores) happens in beforeAll.
    hookTimeout: 300_000,
    testTimeout: 60_000,
    teardownTimeout: 30_000,
  },
});
