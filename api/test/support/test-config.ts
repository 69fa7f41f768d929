import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AppConfig, loadConfig } from '../../src/config/app-config.js';

/** A validated config for tests, from the same loader production uses; `overrides` are env vars. */
export function testConfig(overrides: Record<string, string> = {}): AppConfig {
  const dataDir = mkdtempSync(join(tmpdir(), 'cloudnest-test-data-'));
  return loadConfig(
    { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir, ...overrides },
    process.cwd(),
  );
}
