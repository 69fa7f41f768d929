import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'api-e2e',
    include: ['test/e2e/**/*.test.ts'],
    globalSetup: ['../scripts/test-run-tmpdir.mjs', 'test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
