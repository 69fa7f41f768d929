import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import emulatorModule from 'aws-ses-v2-local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIL_ATTEMPTS_AWAITED_AT_SHUTDOWN_MESSAGE } from '../../src/mail/mail.service.js';
import { RELAXED_LIMITS } from '../support/auth-helpers.js';
import { freePort, httpStatus, type ServerProcess, spawnServer, waitFor } from '../support/server-process.js';
import { forwardToSesEmulator } from '../support/ses-gate.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

// CommonJS with `exports.default`: Node's loader hands over module.exports, Vite unwraps it.
type StartEmulator = (config: { host: string; port: number }) => Promise<Server>;
const startSesEmulator = ((emulatorModule as unknown as { default?: StartEmulator }).default ??
  emulatorModule) as unknown as StartEmulator;

const SHUTDOWN_TIMEOUT_MS = 10_000;
/** Mail queued before the server starts: one claim's batch, more than a pass gets through in the shutdown time. */
const QUEUED = 10;

/**
 * A routine SIGTERM while mail is going out through a slow SES (found in review, 2026-12-07): the
 * shutdown hooks waited for the whole delivery pass in progress — up to 25 s — so the server hit
 * SHUTDOWN_TIMEOUT_MS and exited 1 ("shutdown timed out"). Now the pass ends after the mail it is
 * sending, and the attempt a request left running (its account-neutral answer went out first) is
 * waited for, so both finish their send and their bookkeeping before the pool closes.
 *
 * The real `main.ts` as a child process, on a test database, with the SES driver pointed at a
 * gate in front of the SESv2 emulator that holds every request until the test lets it through.
 */
describe('server shutdown with mail going out through a slow SES', () => {
  let emulator: Server;
  let gate: Server;
  let emulatorPort: number;
  let database: TestDatabase;
  let dataDir: string;
  /** The child process, for afterAll to kill if a test failed before it exited. */
  let started: ServerProcess | undefined;
  /** SES requests the gate holds, in the order they came; `release` lets one through. */
  const held: (() => void)[] = [];
  const release = (index: number) => held[index]?.();

  const sent = async () => {
    const store = (await (await fetch(`http://127.0.0.1:${emulatorPort}/store`)).json()) as {
      emails: { destination: { to: string[] } }[];
    };
    return store.emails.flatMap((mail) => mail.destination.to).sort();
  };

  beforeAll(async () => {
    emulator = await startSesEmulator({ host: '127.0.0.1', port: 0 });
    emulatorPort = (emulator.address() as AddressInfo).port;
    gate = createServer((request, response) => {
      held.push(() => forwardToSesEmulator(request, response, emulatorPort));
    });
    await new Promise<void>((resolve) => gate.listen(0, '127.0.0.1', resolve));
    database = await createTestDatabase('postgres');
    dataDir = await mkdtemp(join(tmpdir(), 'cloudnest-shutdown-'));
  });
  afterAll(async () => {
    if (started && started.child.exitCode === null && started.child.signalCode === null) {
      started.child.kill('SIGKILL');
      await started.exited;
    }
    // Requests the server left held have no one to answer: their sockets would keep both open.
    gate?.closeAllConnections();
    emulator?.closeAllConnections();
    await database?.drop();
    await new Promise((resolve) => gate?.close(resolve));
    await new Promise((resolve) => emulator?.close(resolve));
    await rm(dataDir, { recursive: true, force: true });
  });

  it('ends the delivery pass after its current mail, finishes a request’s attempt, and exits 0 in time', async () => {
    const now = Date.now();
    await database.db
      .insertInto('mailQueue')
      .values(
        Array.from({ length: QUEUED }, (_, index) => ({
          id: crypto.randomUUID(),
          toAddress: `queued${index}@example.com`,
          userId: null,
          template: 'passwordChanged',
          subject: 'Your password was changed',
          textBody: 'Your password was changed.',
          htmlBody: '<p>Your password was changed.</p>',
          devSummary: 'password changed',
          attempts: 0,
          // Due, oldest first in address order: the pass takes queued0 first.
          nextAttemptAt: new Date(now - 60_000 + index * 1000),
          deliverBy: new Date(now + 60 * 60_000),
          lastError: null,
          createdAt: new Date(now - 60_000),
        })),
      )
      .execute();

    const port = await freePort();
    const server = spawnServer({
      ...RELAXED_LIMITS,
      NODE_ENV: 'development',
      DATA_DIR: dataDir,
      PORT: String(port),
      DATABASE_URL: database.url,
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      MAIL_DRIVER: 'ses',
      SES_REGION: 'eu-west-1',
      SES_ENDPOINT: `http://127.0.0.1:${(gate.address() as AddressInfo).port}`,
      MAIL_FROM: 'CloudNest <no-reply@cloudnest.test>',
      // The SDK's default credential chain, as on AWS (there: the role).
      AWS_ACCESS_KEY_ID: 'local-emulator',
      AWS_SECRET_ACCESS_KEY: 'local-emulator',
      AUTH_EMAIL_CODE_SIGNUP: 'true',
    });
    started = server;
    const explain = (error: unknown) => {
      server.child.kill('SIGKILL');
      throw new Error(`${String(error)}\n--- server output ---\n${server.output().slice(-4000)}`);
    };
    const base = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await httpStatus(`${base}/health/ready`)) === 200, 20_000, 'readiness').catch(
      explain,
    );
    // The pass at start-up is sending the first queued mail, held by SES.
    await waitFor(() => held.length === 1, 10_000, 'the delivery pass to send').catch(explain);
    // A request whose account-neutral answer goes out before its mail's attempt ends.
    const start = await fetch(`${base}/auth/email-code/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'late@example.com' }),
    });
    expect(start.status).toBe(202);
    await waitFor(() => held.length === 2, 5_000, 'the request’s attempt to reach SES').catch(explain);

    const queued = async () =>
      (await database.db.selectFrom('mailQueue').select(['toAddress', 'attempts']).execute()).sort((a, b) =>
        a.toAddress.localeCompare(b.toAddress),
      );
    const signalled = Date.now();
    server.child.kill('SIGTERM');
    // Requests drained, the pool still open: shutdown waits for both attempts, cutting neither off.
    await waitFor(
      () => server.output().includes(MAIL_ATTEMPTS_AWAITED_AT_SHUTDOWN_MESSAGE),
      5_000,
      'shutdown to wait for the mail attempts',
    ).catch(explain);
    // The pass's mail first: its send and bookkeeping finish, the pass ends with it, and shutdown
    // still waits for the request's attempt.
    release(0);
    await waitFor(
      async () => !(await queued()).some((row) => row.toAddress === 'queued0@example.com'),
      5_000,
      'the pass’s mail to be recorded as sent',
    ).catch(explain);
    expect(server.child.exitCode).toBeNull();
    release(1);
    const code = await server.exited;
    const took = Date.now() - signalled;
    expect(code, server.output().slice(-4000)).toBe(0);
    expect(took).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
    expect(server.output()).not.toContain('shutdown timed out');
    expect(server.output()).not.toContain('mail queue update failed');

    // Both sends finished and were recorded as sent (deleted) before the pool closed; the pass took
    // no other mail, and what it had claimed with the first waits for its lease and a later pass.
    expect(await sent()).toEqual(['late@example.com', 'queued0@example.com']);
    expect(await queued()).toEqual(
      Array.from({ length: QUEUED - 1 }, (_, index) => ({
        toAddress: `queued${index + 1}@example.com`,
        attempts: 0,
      })),
    );
  });
});
