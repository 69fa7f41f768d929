import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import emulatorModule from 'aws-ses-v2-local';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MailService } from '../../src/mail/mail.service.js';
import {
  bearer,
  RELAXED_LIMITS,
  registerUser,
  STRONG_PASSWORD,
  tokenFromMail,
} from '../support/auth-helpers.js';
import { forwardToSesEmulator } from '../support/ses-gate.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

// CommonJS with `exports.default`: Node's loader hands over module.exports, Vite unwraps it.
type StartEmulator = (config: { host: string; port: number }) => Promise<Server>;
const startSesEmulator = ((emulatorModule as unknown as { default?: StartEmulator }).default ??
  emulatorModule) as unknown as StartEmulator;

interface StoredMail {
  destination: { to: string[] };
  subject: string;
  body: { text?: string };
}

/**
 * SES going down and coming back: a loopback gate in front of the SESv2 emulator answers 503
 * ServiceUnavailable while `down`, holds every request unanswered while `slow` (until
 * `releaseHeld`), and passes every request through otherwise. The app runs with the SES driver and
 * the real AWS SDK; only the endpoint is local.
 */
describe('mail through SES going down and coming back', () => {
  let emulator: Server;
  let gate: Server;
  let emulatorPort: number;
  let down = false;
  let slow = false;
  const held: (() => void)[] = [];
  const releaseHeld = () => {
    for (const pass of held.splice(0)) pass();
  };
  let server: TestServer;
  const previous = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

  const stored = async (to: string) => {
    const store = (await (await fetch(`http://127.0.0.1:${emulatorPort}/store`)).json()) as {
      emails: StoredMail[];
    };
    return store.emails.filter((mail) => mail.destination.to.includes(to));
  };
  const queued = () => server.database.db.selectFrom('mailQueue').selectAll().execute();
  /** The app's mail settings: the SES driver, through the gate. */
  const sesThroughGate = () => ({
    ...RELAXED_LIMITS,
    MAIL_DRIVER: 'ses',
    SES_REGION: 'eu-west-1',
    SES_ENDPOINT: `http://127.0.0.1:${(gate.address() as AddressInfo).port}`,
    MAIL_FROM: 'CloudNest <no-reply@cloudnest.test>',
  });
  /** What a delivery pass would find once the retry is due (the first comes 30 s later). */
  const makeQueueDue = () =>
    server.database.db
      .updateTable('mailQueue')
      .set({ nextAttemptAt: new Date(Date.now() - 1000) })
      .execute();

  beforeAll(async () => {
    emulator = await startSesEmulator({ host: '127.0.0.1', port: 0 });
    emulatorPort = (emulator.address() as AddressInfo).port;
    gate = createServer((request, response) => {
      if (down) {
        request.resume();
        response.writeHead(503, {
          'content-type': 'application/json',
          'x-amzn-errortype': 'ServiceUnavailable',
        });
        response.end(JSON.stringify({ message: 'simulated outage' }));
        return;
      }
      const pass = () => forwardToSesEmulator(request, response, emulatorPort);
      if (slow) held.push(pass);
      else pass();
    });
    await new Promise<void>((resolve) => gate.listen(0, '127.0.0.1', resolve));
    // The SDK's default credential chain, as on AWS (there: the role); only this test sets them.
    process.env.AWS_ACCESS_KEY_ID = 'local-emulator';
    process.env.AWS_SECRET_ACCESS_KEY = 'local-emulator';
    server = await startTestServer({ ...sesThroughGate(), AUTH_UNIFORM_RESPONSE_MS: '0' });
  });
  afterAll(async () => {
    await server?.close();
    process.env.AWS_ACCESS_KEY_ID = previous.id;
    process.env.AWS_SECRET_ACCESS_KEY = previous.secret;
    if (previous.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
    if (previous.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
    releaseHeld();
    await new Promise((resolve) => gate?.close(resolve));
    await new Promise((resolve) => emulator?.close(resolve));
  });

  it('keeps a reset link SES could not take, delivers it when SES is back, and the link works', async () => {
    const { credentials } = await registerUser(server);
    down = true;
    const forgot = await server.request('/auth/password/forgot', {
      method: 'POST',
      json: { email: credentials.email },
    });
    expect(forgot.status).toBe(202);
    expect(await stored(credentials.email)).toEqual([]);
    const [row] = await queued();
    expect(row).toMatchObject({ toAddress: credentials.email, template: 'passwordReset', attempts: 1 });
    expect(row?.lastError).toContain('ServiceUnavailable');

    // Still down at the next pass: tried again, still kept.
    await makeQueueDue();
    expect(await server.app.get(MailService).deliverDue()).toEqual({ sent: 0, retried: 1, failed: 0 });
    down = false;
    await makeQueueDue();
    expect(await server.app.get(MailService).deliverDue()).toEqual({ sent: 1, retried: 0, failed: 0 });
    expect(await queued()).toEqual([]);

    const [mail] = await stored(credentials.email);
    expect(mail?.subject).toBe('Reset your password');
    const reset = await server.request('/auth/password/reset', {
      method: 'POST',
      json: { token: tokenFromMail(mail?.body.text ?? ''), password: `${STRONG_PASSWORD} again` },
    });
    expect(reset.status).toBe(204);
    const login = await server.request('/auth/login', {
      method: 'POST',
      json: { email: credentials.email, password: `${STRONG_PASSWORD} again` },
    });
    expect(login.status).toBe(200);
  });

  describe('answers that must not tell whether an account exists (AUTH_UNIFORM_RESPONSE_MS)', () => {
    let padded: TestServer;
    beforeAll(async () => {
      padded = await startTestServer({
        ...sesThroughGate(),
        AUTH_UNIFORM_RESPONSE_MS: '300',
        MAIL_SEND_TIMEOUT_MS: '10000',
      });
    });
    afterAll(() => padded?.close());

    it('are not held back by a slow SES: the mail goes on after the answer and goes out', async () => {
      const { credentials } = await registerUser(padded);
      const queuedFor = (to: string) =>
        padded.database.db.selectFrom('mailQueue').selectAll().where('toAddress', '=', to).execute();
      slow = true;
      try {
        const forgot = await padded.request('/auth/password/forgot', {
          method: 'POST',
          json: { email: credentials.email },
        });
        expect(forgot.status).toBe(202);
        // Answered while SES still held the send: the attempt is in flight, neither failed nor
        // timed out (waiting for it, the answer came only when the send's 10 s limit cut it off).
        expect(held).toHaveLength(1);
        expect(await queuedFor(credentials.email)).toMatchObject([
          { template: 'passwordReset', attempts: 0, lastError: null },
        ]);
      } finally {
        slow = false;
        releaseHeld();
      }
      await vi.waitFor(async () => expect(await stored(credentials.email)).toHaveLength(1), {
        timeout: 5000,
      });
      await vi.waitFor(async () => expect(await queuedFor(credentials.email)).toEqual([]), {
        timeout: 5000,
      });
    });
  });

  it('sends a notice at once when SES is up, leaving nothing queued', async () => {
    const { credentials, tokens: session } = await registerUser(server);
    const changed = await server.request('/auth/password/change', {
      method: 'POST',
      headers: bearer(session.accessToken),
      json: { currentPassword: credentials.password, newPassword: `${STRONG_PASSWORD} changed` },
    });
    expect(changed.status).toBe(204);
    expect((await stored(credentials.email)).map((mail) => mail.subject)).toContain(
      'Your password was changed',
    );
    expect(await queued()).toEqual([]);
  });
});
