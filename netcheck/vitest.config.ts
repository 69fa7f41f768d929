import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ['src/**/*.spec.ts', 'test/**/*.spec.ts'],
    // CLI tests spawn real processes; on two shared cores they need headroom, not a wall-clock assertion.
    testTimeout: 30_000,
  },
});
