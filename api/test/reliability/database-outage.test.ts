import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/database/database.factory.js';
import { EmbeddedPostgres } from '../../src/database/embedded-postgres.js';
import { newCredentials, RELAXED_LIMITS } from '../support/auth-helpers.js';
import { freePort, type ServerProcess, spawnServer, waitFor } from '../support/server-process.js';
import { reliabilityProfile } from './reliability-profile.js';

const profile = reliabilityProfile();
const DATABASE_NAME = 'cloudnest_outage';

/** One request the clients made, with when it started and ended (ms since the test began). */
interface Outcome {
  readonly action: 'register' | 'me';
  readonly startedAt: number;
  readonly endedAt: number;
  /** 0 when no HTTP answer came at all (connection error, or our 10 s abort). */
  readonly status: number;
  readonly code: string | undefined;
  readonly email: string | undefined;
}

/**
 * Issue 8, database outage: the real server process (`main.ts`) under load, PostgreSQL stopped and
 * later started again on the same port and data directory. Readiness must turn 503 within 3 s,
 * requests must fail fast with 503 DATABASE_UNAVAILABLE (none past 5 s, no crash), the service
 * must recover without a restart within 10 s, and no write may be lost or half-done.
 */
describe(`database outage (${profile.outageClients} clients, ${profile.outageSeconds} s down)`, () => {
  let dataDir: string;
  let port: number;
  let postgres: EmbeddedPostgres;
  let server: ServerProcess;
  let baseUrl: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cloudnest-outage-'));
    port = await freePort();
    // Durable settings (not `ephemeral`): "zero lost writes" must hold with real commits.
    postgres = await EmbeddedPostgres.start({ dataDir, port });
    await postgres.ensureDatabase(DATABASE_NAME);
    const apiPort = await freePort();
    baseUrl = `http://127.0.0.1:${apiPort}`;
    server = spawnServer({
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: String(apiPort),
      DATA_DIR: join(dataDir, 'app'),
      DATABASE_URL: postgres.url(DATABASE_NAME),
      TRUSTED_PROXIES: '127.0.0.1',
      MAINTENANCE_INTERVAL_MINUTES: '0',
      ...RELAXED_LIMITS,
    });
    await waitFor(async () => (await readyStatus(baseUrl)) === 200, 90_000, 'the server to be ready');
  });

  afterAll(async () => {
    if (server) {
      stop(server.child);
      await server.exited;
    }
    await postgres?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('fails fast while PostgreSQL is down and recovers by itself, losing nothing', async () => {
    const began = Date.now();
    const now = () => Date.now() - began;
    const outcomes: Outcome[] = [];
    let running = true;

    const send = async (
      action: Outcome['action'],
      path: string,
      init: RequestInit,
      email?: string,
    ): Promise<Response | undefined> => {
      const startedAt = now();
      let status = 0;
      let code: string | undefined;
      let response: Response | undefined;
      try {
        response = await fetch(`${baseUrl}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
        status = response.status;
        if (status >= 400) code = ((await response.json()) as { code?: string }).code;
      } catch {
        response = undefined;
      }
      outcomes.push({ action, startedAt, endedAt: now(), status, code, email });
      return response?.ok ? response : undefined;
    };

    const client = async (_: unknown, index: number) => {
      const ip = `10.1.${Math.floor(index / 250)}.${(index % 250) + 1}`;
      let accessToken: string | undefined;
      while (running) {
        const credentials = newCredentials();
        const registered = await send(
          'register',
          '/auth/register',
          {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
            body: JSON.stringify(credentials),
          },
          credentials.email,
        );
        if (registered) accessToken = ((await registered.json()) as { accessToken: string }).accessToken;
        if (accessToken) {
          await send('me', '/auth/me', {
            headers: { authorization: `Bearer ${accessToken}`, 'x-forwarded-for': ip },
          });
        }
      }
    };

    const clients = Array.from({ length: profile.outageClients }, client);
    await waitFor(() => outcomes.filter((o) => o.status === 201).length >= 10, 60_000, 'load to start');

    const stoppedAt = now();
    await postgres.stop();
    await waitFor(async () => (await readyStatus(baseUrl)) === 503, 10_000, 'readiness to turn 503');
    const notReadyAfterMs = now() - stoppedAt;

    await waitFor(() => now() - stoppedAt >= profile.outageSeconds * 1000, 60_000, 'the outage to last');
    const restartedAt = now();
    postgres = await EmbeddedPostgres.start({ dataDir, port });
    await waitFor(async () => (await readyStatus(baseUrl)) === 200, 20_000, 'readiness to recover');
    const recoveredAt = now();
    const recoveredAfterMs = recoveredAt - restartedAt;
    await waitFor(
      () => outcomes.filter((o) => o.startedAt > recoveredAt && o.status === 201).length >= 10,
      60_000,
      'registrations to succeed again',
    );
    running = false;
    await Promise.all(clients);

    const duringOutage = outcomes.filter(
      (o) => o.startedAt > stoppedAt + notReadyAfterMs && o.endedAt < restartedAt,
    );
    const slowest = Math.max(...outcomes.map((o) => o.endedAt - o.startedAt));
    const failures = outcomes.filter((o) => o.status === 503);
    console.log(
      `outage: ${outcomes.length} requests; /health/ready 503 after ${notReadyAfterMs} ms; ` +
        `${duringOutage.length} requests while down, ${failures.length} answered 503, slowest ${slowest} ms; ` +
        `ready again ${recoveredAfterMs} ms after PostgreSQL restarted`,
    );

    // Still running: neither exited nor killed by a signal (a crash by SIGSEGV/SIGABRT or the OOM
    // killer's SIGKILL leaves exitCode null and sets signalCode).
    expect(server.child.exitCode).toBeNull();
    expect(server.child.signalCode).toBeNull();
    expect(notReadyAfterMs).toBeLessThanOrEqual(3000);
    expect(recoveredAfterMs).toBeLessThanOrEqual(10_000);
    // Nothing hangs: every request got an answer within 5 s.
    expect(outcomes.filter((o) => o.endedAt - o.startedAt > 5000)).toEqual([]);
    // Every answer is a success or the documented outage answer; no 500s, no dropped connections.
    const wrong = outcomes.filter(
      (o) =>
        !(o.status === 200 || o.status === 201 || (o.status === 503 && o.code === 'DATABASE_UNAVAILABLE')),
    );
    expect(wrong).toEqual([]);
    expect(duringOutage.length).toBeGreaterThan(0);
    expect(duringOutage.every((o) => o.status === 503)).toBe(true);
    // Recovered without a restart: everything after readiness came back succeeded.
    expect(outcomes.filter((o) => o.startedAt > recoveredAt && o.status !== 200 && o.status !== 201)).toEqual(
      [],
    );

    const db = await createDatabase({ url: postgres.url(DATABASE_NAME), dialect: 'postgres', poolMax: 1 });
    try {
      const users = await db.selectFrom('users').select(['id', 'email']).execute();
      const emails = new Set(users.map((user) => user.email));
      // Zero lost writes: every 201 is in the database.
      const created = outcomes.filter((o) => o.action === 'register' && o.status === 201);
      expect(created.filter((o) => !emails.has(o.email ?? ''))).toEqual([]);
      // No half-created user: a registration answered 503 left nothing behind, and every account
      // has the session its registration started.
      const refused = outcomes.filter((o) => o.action === 'register' && o.status === 503);
      expect(refused.filter((o) => emails.has(o.email ?? '')).map((o) => o.email)).toEqual([]);
      const withSession = new Set(
        (await db.selectFrom('sessions').select('userId').distinct().execute()).map((row) => row.userId),
      );
      expect(users.filter((user) => !withSession.has(user.id)).map((user) => user.email)).toEqual([]);
    } finally {
      await db.destroy();
    }
  });
});

async function readyStatus(baseUrl: string): Promise<number> {
  try {
    return (await fetch(`${baseUrl}/health/ready`, { signal: AbortSignal.timeout(5000) })).status;
  } catch {
    return 0;
  }
}

function stop(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
}
