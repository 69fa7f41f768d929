import { defineConfig } from 'vitest/config';

/**
 * The reliability suite (load, database outage, malformed input, slow and big clients).
 * RELIABILITY_PROFILE=short (what `npm test` runs) or full (`npm run test:reliability`); see
 * test/reliability/reliability-profile.ts. Files run one at a time: each one loads the machine.
 */
export default defineConfig({
  test: {
    name: 'api-reliability',
    include: ['test/reliability/**/*.test.ts'],
    globalSetup: ['../scripts/test-run-tmpdir.mjs', 'test/support/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
