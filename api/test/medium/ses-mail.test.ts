import type { Server } from 'node:http';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import emulatorModule from 'aws-ses-v2-local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
