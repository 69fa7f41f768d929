import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'api-medium',
    include: ['test/medium/**/*.test.ts'],
    globalSetup: ['../scripts/test-run-tmpdir.mjs', 'test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
