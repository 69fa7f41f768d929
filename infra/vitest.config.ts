import { defineConfig } from 'vitest/config';

// CDK synthesis is CPU-bound and slow on two cores: a few forks, long timeouts, no watch.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['../scripts/test-run-tmpdir.mjs'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
