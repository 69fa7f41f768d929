import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ['src/**/*.spec.ts', 'test/**/*.spec.ts'],
    globalSetup: ['../scripts/test-run-tmpdir.mjs'],
    // CLI tests spawn real processes; on two shared cores they need headroom, not a wall-clock assertion.
    testTimeout: 30_000,
  },
});
