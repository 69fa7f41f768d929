import { defineConfig } from 'vitest/config';

/**
 * The web app's unit tests: pure functions and the API client with a stubbed `fetch` and cookie
 * jar, beside the code (`src/**\/*.spec.ts`). No browser and no server, so they run in seconds.
 */
export default defineConfig({
  test: {
    name: 'web-unit',
    include: ['src/**/*.spec.ts'],
    globalSetup: ['../scripts/test-run-tmpdir.mjs'],
    environment: 'node',
  },
});
