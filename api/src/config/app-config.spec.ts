import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './app-config.js';

const base = { NODE_ENV: 'test' };

function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig(env, '/srv/app');
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies documented defaults', () => {
    const config = loadConfig(base, '/srv/app');
    expect(config.http.port).toBe(3000);
    expect(config.http.prefix).toBe('');
    expect(config.http.host).toBe('127.0.0.1');
    expect(config.dataDir).toBe('/srv/app/.data');
    expect(config.database).toMatchObject({ kind: 'embedded', dialect: 'postgres' });
  });

  it('listens on all interfaces in production', () => {
    expect(loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://u:p@db/app' }, '/').http.host).toBe(
      '0.0.0.0',
    );
  });

  it('picks the dialect from the DATABASE_URL scheme', () => {
    expect(loadConfig({ ...base, DATABASE_URL: 'mysql://u:p@db:3306/app' }, '/').database).toMatchObject({
      kind: 'url',
      dialect: 'mysql',
    });
    expect(loadConfig({ ...base, DATABASE_URL: 'postgresql://u:p@db/app' }, '/').database).toMatchObject({
      dialect: 'postgres',
    });
  });

  it('fails naming PORT when it is not a port number', () => {
    expect(problemsOf({ ...base, PORT: 'abc' })).toBe('Invalid environment: PORT must be an integer 1-65535');
    expect(problemsOf({ ...base, PORT: '70000' })).toContain('PORT must be an integer 1-65535');
  });

  it('reports every bad variable in one error', () => {
    const message = problemsOf({
      ...base,
      PORT: '0',
      DATABASE_URL: 'redis://x/y',
      API_PREFIX: 'api/',
      LOG_LEVEL: 'loud',
    });
    expect(message).toContain('PORT must be an integer 1-65535');
    expect(message).toContain('DATABASE_URL must start with postgres://, postgresql:// or mysql://');
    expect(message).toContain('API_PREFIX must be empty or a path like /api');
    expect(message).toContain('LOG_LEVEL must be one of');
  });

  it('refuses a wildcard CORS origin in production but allows it in development', () => {
    expect(
      problemsOf({
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://u:p@db/app',
        CORS_ALLOWED_ORIGINS: '*',
      }),
    ).toContain('CORS_ALLOWED_ORIGINS must list explicit origins in production');
    expect(loadConfig({ NODE_ENV: 'development', CORS_ALLOWED_ORIGINS: '*' }, '/').http.corsOrigins).toEqual([
      '*',
    ]);
  });

  it('rejects malformed origins', () => {
    expect(problemsOf({ ...base, CORS_ALLOWED_ORIGINS: 'https://ok.example.com, not a url' })).toContain(
      'CORS_ALLOWED_ORIGINS has "not a url"',
    );
  });

  it('requires an explicit database in production (no embedded PostgreSQL there)', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toContain('DATABASE_URL is required in production');
  });

  it('requires a database name in DATABASE_URL', () => {
    expect(problemsOf({ ...base, DATABASE_URL: 'postgres://u:p@db:5432' })).toContain(
      'DATABASE_URL must name a database',
    );
  });
});
