import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { configFromProcessEnvironment } from './environment.js';

describe('configFromProcessEnvironment', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cloudnest-env-'));
    // npm's INIT_CWD is where `.env` is looked for; the variables the test sets are cleared first,
    // so the runner's own environment cannot decide the outcome.
    vi.stubEnv('INIT_CWD', dir);
    for (const name of [
      'NODE_ENV',
      'LOG_LEVEL',
      'API_PREFIX',
      'DATA_DIR',
      'DATABASE_SSL',
      'DATABASE_SSL_CA',
    ]) {
      vi.stubEnv(name, undefined);
    }
    writeFileSync(
      join(dir, '.env'),
      [
        '# a comment',
        'LOG_LEVEL=debug',
        'export API_PREFIX="/v1" # quoted, exported, with a trailing comment',
        `DATA_DIR='${join(dir, 'data')}'`,
      ].join('\n'),
    );
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fills unset variables from .env in development (quotes, comments and `export` as dotenv reads them)', () => {
    vi.stubEnv('NODE_ENV', 'development');
    const config = configFromProcessEnvironment();
    expect(config.log.level).toBe('debug');
    expect(config.http.prefix).toBe('/v1');
    expect(config.dataDir).toBe(join(dir, 'data'));
  });

  it('lets the real environment win over .env', () => {
    vi.stubEnv('NODE_ENV', 'development');
    vi.stubEnv('LOG_LEVEL', 'warn');
    expect(configFromProcessEnvironment().log.level).toBe('warn');
  });

  it('never reads .env outside development, and takes defaults for unset variables', () => {
    vi.stubEnv('DATA_DIR', join(dir, 'data'));
    const config = configFromProcessEnvironment({ NODE_ENV: 'test' });
    expect(config.log.level).not.toBe('debug');
    expect(config.http.prefix).toBe('');
  });

  it('refuses at boot a DATABASE_SSL_CA file that does not exist, and accepts one that does', () => {
    vi.stubEnv('DATA_DIR', join(dir, 'data'));
    vi.stubEnv('DATABASE_SSL', 'verify-full');
    vi.stubEnv('DATABASE_SSL_CA', 'missing-ca.pem');
    expect(() => configFromProcessEnvironment({ NODE_ENV: 'test' })).toThrow(
      `Invalid environment: DATABASE_SSL_CA names ${join(dir, 'missing-ca.pem')}, which does not exist`,
    );
    writeFileSync(join(dir, 'missing-ca.pem'), '');
    expect(configFromProcessEnvironment({ NODE_ENV: 'test' }).database.tls).toEqual({
      mode: 'verify-full',
      ca: { kind: 'file', path: join(dir, 'missing-ca.pem') },
    });
  });
});
