import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, httpStatus, spawnServer, waitFor } from '../support/server-process.js';
import { createPostgresTestDatabase, type TestDatabase } from '../support/test-database.js';

const apiDir = join(import.meta.dirname, '..', '..');
const repoDir = join(apiDir, '..');
const dockerfile = readFileSync(join(apiDir, 'Dockerfile'), 'utf8');
const pm2 = createRequire(import.meta.url)(join(apiDir, 'ecosystem.config.cjs')) as {
  apps: { name: string; script: string; env: Record<string, string>; kill_timeout: number }[];
};

/**
 * The server packaging: the esbuild bundle the Docker image and PM2 run, started for real with a
 * production configuration, and the Dockerfile/PM2 file checked against it (no Docker engine here).
 */
describe('server bundle, Dockerfile and PM2 file', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts', 'server'], {
      cwd: apiDir,
      stdio: 'pipe',
    });
    database = await createPostgresTestDatabase();
  }, 120_000);
  afterAll(async () => {
    await database?.drop();
  });

  it('serves health and sign-up from dist/server/main.mjs in production mode behind /api', async () => {
    const port = await freePort();
    const server = spawnServer(
      {
        NODE_ENV: 'production',
        PORT: String(port),
        API_PREFIX: '/api',
        API_BASE_URL: 'https://api.example.test',
        DATABASE_URL: database.url,
        JWT_SECRET: 'packaging-test-secret-0123456789abcdef',
        MFA_ENCRYPTION_KEY: 'packaging-test-mfa-key-0123456789abcdef',
        LOG_LEVEL: 'warn',
        MAIL_DRIVER: 'outbox',
      },
      ['dist/server/main.mjs'],
    );
    try {
      await waitFor(
        async () => (await httpStatus(`http://127.0.0.1:${port}/api/health/ready`)) === 200,
        30_000,
        'readiness',
      );
      const register = await fetch(`http://127.0.0.1:${port}/api/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          email: 'bundle@example.com',
          username: 'bundle_user',
          password: 'a bundled passphrase 1',
        }),
      });
      // Production requires email verification unless told otherwise: registration does not say
      // whether the address already had an account.
      expect(register.status).toBe(202);
      expect(await register.json()).toEqual({ status: 'verification_required' });
    } finally {
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }
  });

  // The image has the bundles and node_modules, no sources and no tsx: a one-off task the docs name
  // must be a bundle of its own (user:mfa-reset and mfa:reseal were not; found in review, 2026-12-08).
  it('bundles the one-off CLIs the docs name, each runnable against the database on its own', async () => {
    const env = {
      NODE_ENV: 'production',
      DATABASE_URL: database.url,
      MFA_ENCRYPTION_KEY: 'packaging-test-mfa-key-0123456789abcdef',
      MAIL_DRIVER: 'outbox',
    };
    for (const cli of ['user-promote', 'user-mfa-reset']) {
      const run = spawnServer(env, [`dist/server/${cli}.mjs`, 'nobody@example.com']);
      expect(await run.exited, run.output()).toBe(1);
      expect(run.output()).toContain('No account with email nobody@example.com');
    }
    const reseal = spawnServer(env, ['dist/server/mfa-reseal.mjs']);
    expect(await reseal.exited, reseal.output()).toBe(0);
  });

  it('keeps Nest building every route handler at boot (the Lambda bundles defer it; a broken route fails the boot here)', () => {
    const bundle = readFileSync(join(apiDir, 'dist', 'server', 'main.mjs'), 'utf8');
    expect(bundle.includes('createCallbackProxy(')).toBe(true);
    expect(bundle.includes('createCallbackProxyOnFirstRequest')).toBe(false);
  });

  it('Dockerfile: Node 22, non-root, HEALTHCHECK on /health, CMD runs the bundle the build produces', () => {
    expect(dockerfile).toMatch(/^FROM node:22[\w.-]* AS runtime$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/HEALTHCHECK[\s\S]*\/health/);
    const cmd = /^CMD \["node", "([^"]+)"\]$/m.exec(dockerfile)?.[1];
    expect(cmd).toBe('api/dist/server/main.mjs');
    expect(existsSync(join(repoDir, cmd as string))).toBe(true);
    expect(dockerfile).toContain('npm run build:server');
    // npm ci needs the manifest of every workspace the lockfile names.
    const { workspaces } = JSON.parse(readFileSync(join(repoDir, 'package.json'), 'utf8')) as {
      workspaces: string[];
    };
    expect(workspaces).toContain('api');
    for (const manifest of workspaces) {
      expect(dockerfile).toContain(`COPY ${manifest}/package.json ${manifest}/package.json`);
    }
  });

  it('PM2: the backend on port 9999 under /api (seed 004), running the built bundle', () => {
    const [app] = pm2.apps;
    expect(app?.env).toMatchObject({ NODE_ENV: 'production', PORT: '9999', API_PREFIX: '/api' });
    expect(existsSync(join(apiDir, app?.script ?? 'missing'))).toBe(true);
    expect(app?.kill_timeout).toBeGreaterThan(10_000);
  });
});
