import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { productionBuilds } from './production-builds.js';
import { type BenchServer, startBenchServer } from './server-process.js';

const apiDir = join(import.meta.dirname, '..', '..', '..', 'api');

/** The production app (`api/dist/server/main.mjs`, NODE_ENV=production, JSON logs at info) on a bench database. */
export interface CloudNestServer extends BenchServer {
  /** The public half of the app's access-token key, for a peer that verifies the same tokens. */
  readonly publicJwk: string;
  /** Registers `count` accounts and returns a Bearer header and the credentials for each. */
  registerUsers(count: number): Promise<RegisteredUser[]>;
}

export interface RegisteredUser {
  readonly email: string;
  readonly password: string;
  readonly headers: Readonly<Record<string, string>>;
}

export const BENCH_PASSWORD = 'correct horse battery staple 42';

/**
 * Starts the production bundle of `main.ts`: every global pipe, guard, filter and helmet, logs at
 * `info` as JSON written to a file. Sign-in rate limits are raised so that seeding and the login
 * benchmark measure the work, not the limiter's 429s (the limiter's queries still run).
 */
export async function startCloudNestServer(databaseUrl: string): Promise<CloudNestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cloudnest-bench-app-'));
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const server = await startBenchServer({
    name: 'cloudnest',
    entry: (await productionBuilds()).app,
    cwd: apiDir,
    env: {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      LOG_PRETTY: 'false',
      API_BASE_URL: 'http://127.0.0.1',
      DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
      JWT_PRIVATE_KEY: JSON.stringify(privateKey.export({ format: 'jwk' })),
      MFA_ENCRYPTION_KEY: 'benchmark-mfa-encryption-key-0123456789',
      MAIL_DRIVER: 'outbox',
      RATE_LIMIT_SIGN_IN: '1000000/10s',
      // The benchmark's users sign in at registration (production's default asks them to confirm
      // their email first); nothing measured depends on it.
      AUTH_REQUIRE_EMAIL_VERIFICATION: 'false',
    },
    logFile: join(dataDir, 'app.log'),
    readyPath: '/health/ready',
  });
  return {
    ...server,
    publicJwk: JSON.stringify(publicKey.export({ format: 'jwk' })),
    async registerUsers(count) {
      const users: RegisteredUser[] = [];
      const prefix = `bench${Date.now().toString(36)}`;
      for (let index = 0; index < count; index++) {
        const email = `${prefix}.${index}@example.com`;
        const response = await fetch(`${server.baseUrl}/auth/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email, username: `${prefix}_${index}`, password: BENCH_PASSWORD }),
        });
        if (response.status !== 201) throw new Error(`register: ${response.status} ${await response.text()}`);
        const body = (await response.json()) as { accessToken: string };
        users.push({
          email,
          password: BENCH_PASSWORD,
          headers: { authorization: `Bearer ${body.accessToken}` },
        });
      }
      return users;
    },
    async stop() {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The raw Fastify peer (`peers/raw-fastify.ts`), verifying the app's tokens against the same
 * database. `productionDuties` adds the app's security headers, request ids and per-request log
 * line (written to a file, as the app's are).
 */
export async function startRawFastifyServer(
  databaseUrl: string,
  publicJwk: string,
  options: { readonly productionDuties?: boolean } = {},
): Promise<BenchServer> {
  const productionDuties = options.productionDuties ?? false;
  const logDir = productionDuties ? await mkdtemp(join(tmpdir(), 'cloudnest-bench-peer-')) : undefined;
  const server = await startBenchServer({
    name: productionDuties ? 'raw-fastify-duties' : 'raw-fastify',
    entry: (await productionBuilds()).rawFastify,
    cwd: join(import.meta.dirname, '..', '..'),
    env: {
      DATABASE_URL: databaseUrl,
      JWT_PUBLIC_JWK: publicJwk,
      PRODUCTION_DUTIES: String(productionDuties),
    },
    logFile: logDir ? join(logDir, 'peer.log') : '/dev/null',
    readyPath: '/health',
  });
  return {
    ...server,
    async stop() {
      await server.stop();
      if (logDir) await rm(logDir, { recursive: true, force: true });
    },
  };
}
