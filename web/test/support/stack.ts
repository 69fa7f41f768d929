import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort } from '../../../api/src/common/net/free-loopback-port.js';
import { httpOk, run, type Started, start, stop, waitFor } from './processes';

const webDir = join(import.meta.dirname, '..', '..');
const repoDir = join(webDir, '..');
const nextBin = join(repoDir, 'node_modules', 'next', 'dist', 'bin', 'next');

/** The real API (its `main.ts`, embedded PostgreSQL, outbox mail) and the web app in front of it. */
export interface Stack {
  /** The web origin, e.g. http://localhost:41234 — `localhost` so Chrome keeps Secure cookies on http. */
  readonly webUrl: string;
  /** The API itself (outbox reads go straight here). */
  readonly apiUrl: string;
  readonly timings: Record<string, number>;
  /** Makes an account admin with the operator's CLI (`npm run user:promote`), as the first admin is made. */
  promote(email: string): Promise<void>;
  stop(): Promise<void>;
}

export interface StackOptions {
  /**
   * Runs `next build` before `next start` (production mode only). A second stack of the same run
   * serves the build the first one made.
   * @default true
   */
  readonly build?: boolean;
  /**
   * The API's port. The build compiles the API's origin into its `/api` rewrite, so a second stack
   * serving the first one's build must take over the first one's port (once that has stopped).
   * @default a free loopback port
   */
  readonly apiPort?: number;
  /** Variables added to (or replacing) the API's development settings below. */
  readonly apiEnv?: Readonly<Record<string, string>>;
}

/**
 * Starts the stack. WEB_E2E_MODE=dev serves the web app with `next dev` (quick iteration);
 * the default is the production path: one `next build`, then `next start`.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const mode = process.env.WEB_E2E_MODE === 'dev' ? 'dev' : 'production';
  const [apiPort, webPort] = [options.apiPort ?? (await freeLoopbackPort()), await freeLoopbackPort()];
  const webUrl = `http://localhost:${webPort}`;
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const dataDir = await mkdtemp(join(tmpdir(), 'cloudnest-web-e2e-'));
  // Embedded PostgreSQL runs as the unprivileged postgres user when we are root: it must reach DATA_DIR.
  await chmod(dataDir, 0o755);
  const timings: Record<string, number> = {};
  const webEnv = {
    ...process.env,
    API_ORIGIN: apiUrl,
    NEXT_TELEMETRY_DISABLED: '1',
    NODE_ENV: mode === 'dev' ? ('development' as const) : ('production' as const),
  };
  let api: Started | undefined;
  let web: Started | undefined;

  const stopAll = async () => {
    await Promise.all([stop(web, 5_000), stop(api, 15_000)]);
    await rm(dataDir, { recursive: true, force: true });
  };

  try {
    api = start('api', process.execPath, ['--import', 'tsx', 'api/src/main.ts'], {
      cwd: repoDir,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME ?? '/tmp',
        NODE_ENV: 'development',
        PORT: String(apiPort),
        API_PREFIX: '/api',
        DATA_DIR: dataDir,
        // Links in mail and signed upload URLs point at the web origin, which proxies /api.
        PUBLIC_BASE_URL: webUrl,
        API_BASE_URL: webUrl,
        LOG_PRETTY: 'false',
        LOG_LEVEL: 'warn',
        // Every browser request reaches the API from 127.0.0.1 through Next's proxy: one "IP" for the
        // whole run, so the per-IP limits are raised (they stay enabled, with the code paths exercised).
        RATE_LIMIT_SIGN_IN: '50/10s',
        RATE_LIMIT_EMAIL: '30/60s',
        MAINTENANCE_INTERVAL_MINUTES: '0',
        // Accounts without a password (made by an emailed code) confirm sensitive changes differently.
        AUTH_EMAIL_CODE_SIGNUP: 'true',
        ...options.apiEnv,
      },
    });
    if (mode === 'production' && options.build !== false) {
      const began = Date.now();
      await run('next build', process.execPath, [nextBin, 'build'], {
        cwd: webDir,
        env: webEnv,
        timeoutMs: 240_000,
      });
      timings.nextBuildMs = Date.now() - began;
    }
    await waitFor(() => httpOk(`${apiUrl}/api/health/ready`), 60_000, 'the API to be ready', api);
    const began = Date.now();
    web = start('web', process.execPath, [nextBin, mode === 'dev' ? 'dev' : 'start', '-p', String(webPort)], {
      cwd: webDir,
      env: webEnv,
    });
    await waitFor(() => httpOk(`${webUrl}/`), 120_000, 'the web app to answer', web);
    await waitFor(() => httpOk(`${webUrl}/api/health`), 10_000, 'the web app to proxy /api', web);
    timings.webStartMs = Date.now() - began;
  } catch (error) {
    await stopAll();
    throw error;
  }
  const promote = async (email: string) => {
    await run('user:promote', process.execPath, ['--import', 'tsx', 'api/src/users/promote.cli.ts', email], {
      cwd: repoDir,
      // The CLI finds the running API's embedded PostgreSQL through DATA_DIR.
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME ?? '/tmp',
        NODE_ENV: 'development',
        DATA_DIR: dataDir,
      },
      timeoutMs: 60_000,
    });
  };
  return { webUrl, apiUrl, timings, promote, stop: stopAll };
}

export interface OutboxMessage {
  id: string;
  to: string;
  subject: string;
  text: string;
  createdAt: string;
}

/**
 * The newest mail to `to` whose subject matches, from the API's development outbox, once there are
 * at least `count` such messages (so a resent code is not confused with the previous one).
 */
export async function waitForMail(
  apiUrl: string,
  to: string,
  subject: RegExp,
  count = 1,
): Promise<OutboxMessage> {
  let found: OutboxMessage | undefined;
  await waitFor(
    async () => {
      const response = await fetch(`${apiUrl}/api/dev/outbox?to=${encodeURIComponent(to)}`);
      const matching = ((await response.json()) as OutboxMessage[]).filter((message) =>
        subject.test(message.subject),
      );
      found = matching[0];
      return matching.length >= count;
    },
    10_000,
    `mail "${subject}" to ${to}`,
  );
  return found as OutboxMessage;
}
