import { createServer as createHttpServer, type Server } from 'node:http';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import emulatorModule from 'aws-ses-v2-local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailRejectedError } from '../../src/mail/mail.repository.js';
import { mailTemplates } from '../../src/mail/mail.templates.js';
import { SesMailRepository } from '../../src/mail/ses-mail.repository.js';
import { testConfig } from '../support/test-config.js';

// CommonJS with `exports.default`: Node's loader hands over module.exports, Vite unwraps it.
type StartEmulator = (config: { host: string; port: number }) => Promise<Server>;
const startSesEmulator = ((emulatorModule as unknown as { default?: StartEmulator }).default ??
  emulatorModule) as unknown as StartEmulator;

interface StoredMail {
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { text?: string; html?: string };
}

/**
 * The SES driver through the real AWS SDK against a SESv2 API emulator on loopback. Only the
 * endpoint differs from production; credentials come from the SDK's default chain (here the
 * environment, which only this test sets).
 */
describe('SesMailRepository against a local SESv2 emulator', () => {
  let server: Server;
  let endpoint: string;
  const previous = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

  beforeAll(async () => {
    server = await startSesEmulator({ host: '127.0.0.1', port: 0 });
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    process.env.AWS_ACCESS_KEY_ID = 'local-emulator';
    process.env.AWS_SECRET_ACCESS_KEY = 'local-emulator';
  });
  afterAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = previous.id;
    process.env.AWS_SECRET_ACCESS_KEY = previous.secret;
    if (previous.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
    if (previous.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
    await new Promise((resolve) => server?.close(resolve));
  });

  it('sends a rendered template with SendEmail (text and HTML) from MAIL_FROM', async () => {
    const config = testConfig({
      MAIL_DRIVER: 'ses',
      SES_REGION: 'eu-west-1',
      SES_ENDPOINT: endpoint,
      MAIL_FROM: 'CloudNest <no-reply@cloudnest.test>',
    });
    const repository = new SesMailRepository(config);
    const rendered = mailTemplates.signInCode('482913');
    await repository.send({ to: 'someone@example.com', ...rendered });
    const store = (await (await fetch(`${endpoint}/store`)).json()) as { emails: StoredMail[] };
    const sent = store.emails.find((mail) => mail.destination.to.includes('someone@example.com'));
    expect(sent).toBeDefined();
    expect(sent?.subject).toBe('Your sign-in code: 482913');
    expect(sent?.from).toContain('no-reply@cloudnest.test');
    expect(sent?.body.text).toContain('482913');
    expect(sent?.body.html).toContain('482913');
  });

  it('surfaces an SES failure to the caller (the service decides what to do)', async () => {
    const config = testConfig({
      MAIL_DRIVER: 'ses',
      SES_REGION: 'eu-west-1',
      SES_ENDPOINT: 'http://127.0.0.1:9',
    });
    const repository = new SesMailRepository(config);
    await expect(
      repository.send({ to: 'x@example.com', ...mailTemplates.passwordChanged() }),
    ).rejects.toThrow();
  });
  /**
   * An endpoint answering every SendEmail with one SES error the way SESv2's REST-JSON protocol
   * does (status, `x-amzn-errortype`, a JSON message), counting the requests it gets.
   */
  async function failingSes(status: number, errorType: string, run: (endpoint: string) => Promise<void>) {
    let requests = 0;
    const failing = createHttpServer((request, response) => {
      requests++;
      request.resume();
      response.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': errorType });
      response.end(JSON.stringify({ message: `simulated ${errorType}` }));
    });
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    try {
      await run(`http://127.0.0.1:${(failing.address() as AddressInfo).port}`);
    } finally {
      await new Promise((resolve) => failing.close(resolve));
    }
    return requests;
  }
  const sesAt = (endpoint: string) =>
    new SesMailRepository(
      testConfig({ MAIL_DRIVER: 'ses', SES_REGION: 'eu-west-1', SES_ENDPOINT: endpoint }),
    );

  it('makes one attempt per send: the mail queue retries, not the SDK (a throttled SES cost a request three)', async () => {
    const requests = await failingSes(429, 'TooManyRequestsException', async (endpoint) => {
      const send = sesAt(endpoint).send({ to: 'ada@example.com', ...mailTemplates.passwordChanged() });
      await expect(send).rejects.toThrow();
      // Throttling may pass: not a refusal, so the queue tries again later.
      await expect(send).rejects.not.toBeInstanceOf(MailRejectedError);
    });
    expect(requests).toBe(1);
  });

  it('turns a refusal no retry can change into MailRejectedError, and leaves server faults retryable', async () => {
    await failingSes(400, 'MessageRejected', async (endpoint) => {
      const send = sesAt(endpoint).send({ to: 'ada@example.com', ...mailTemplates.passwordChanged() });
      await expect(send).rejects.toBeInstanceOf(MailRejectedError);
      await expect(send).rejects.toThrow('SES refused the message: MessageRejected');
    });
    await failingSes(500, 'InternalFailure', async (endpoint) => {
      const send = sesAt(endpoint).send({ to: 'ada@example.com', ...mailTemplates.passwordChanged() });
      await expect(send).rejects.toThrow();
      await expect(send).rejects.not.toBeInstanceOf(MailRejectedError);
    });
  });

  // Each of SendEmail's errors that no retry can change, as SESv2 answers it: the queue gives the
  // message up at once instead of sending it again and again for days.
  it.each([
    [400, 'MessageRejected'],
    [400, 'MailFromDomainNotVerifiedException'],
    [400, 'BadRequestException'],
    [404, 'NotFoundException'],
  ])('takes %i %s for a refusal (MailRejectedError)', async (status, errorType) => {
    await failingSes(status, errorType, async (endpoint) => {
      const send = sesAt(endpoint).send({ to: 'ada@example.com', ...mailTemplates.passwordChanged() });
      await expect(send).rejects.toBeInstanceOf(MailRejectedError);
      await expect(send).rejects.toThrow(`SES refused the message: ${errorType}`);
    });
  });

  // What an operator can lift (a paused or suspended account, a quota) or time heals (throttling,
  // a server fault) leaves the message to the queue's next try.
  it.each([
    [400, 'AccountSuspendedException'],
    [400, 'SendingPausedException'],
    [400, 'LimitExceededException'],
    [429, 'TooManyRequestsException'],
    [500, 'InternalFailure'],
    [503, 'ServiceUnavailable'],
  ])('leaves %i %s retryable', async (status, errorType) => {
    await failingSes(status, errorType, async (endpoint) => {
      const send = sesAt(endpoint).send({ to: 'ada@example.com', ...mailTemplates.passwordChanged() });
      await expect(send).rejects.toMatchObject({ name: errorType });
      await expect(send).rejects.not.toBeInstanceOf(MailRejectedError);
    });
  });

  // Found in review: the SDK has no time limit of its own, so an SES that accepted the connection
  // and never answered left the send — and the user's request waiting on it — pending for ever.
  it('gives up on an SES that never answers within MAIL_SEND_TIMEOUT_MS', async () => {
    const held: Socket[] = [];
    const silent = createServer((socket) => {
      held.push(socket);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const config = testConfig({
        MAIL_DRIVER: 'ses',
        SES_REGION: 'eu-west-1',
        SES_ENDPOINT: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
        MAIL_SEND_TIMEOUT_MS: '800',
      });
      const send = new SesMailRepository(config).send({
        to: 'someone@example.com',
        ...mailTemplates.signInCode('482913'),
      });
      // Without a limit this never settles and the test times out.
      await expect(send).rejects.toThrow();
      expect(held.length).toBeGreaterThan(0);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
