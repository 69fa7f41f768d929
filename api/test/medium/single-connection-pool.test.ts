import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthService } from '../../src/auth/auth.service.js';
import { decodeBase32, hotp, totpStep } from '../../src/auth/totp.js';
import { DATABASE } from '../../src/database/database.module.js';
import type { DatabaseHandle } from '../../src/database/database-handle.js';
import {
  bearer,
  codeFromMail,
  type ErrorBody,
  latestMail,
  RELAXED_LIMITS,
  readJson,
  registerAdmin,
  registerUser,
  type TokenPair,
  tokenFromMail,
} from '../support/auth-helpers.js';
import { freePort, selfAddressedEnv, uploadFile } from '../support/files-helpers.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../support/test-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * A Lambda's pool has one connection. A write that runs in a transaction must run every query of
 * it on that transaction: a query through the pool meanwhile waits for the connection the
 * transaction holds, and the request ends as 503 DATABASE_UNAVAILABLE after the pool's wait. Each
 * flow below writes several rows in one transaction (docs/architecture.md, "Transactions").
 */
describe.each(testDialects())('transactional flows on a pool of one connection, %s', (dialect) => {
  let database: TestDatabase;
  let server: TestServer;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    server = await startTestServer(
      {
        ...RELAXED_LIMITS,
        ...selfAddressedEnv(await freePort()),
        AUTH_LOCKOUT_THRESHOLD: '2',
        AUTH_EMAIL_CODE_SIGNUP: 'true',
        AUTH_SESSION_CACHE_SECONDS: '0',
      },
      dialect,
      { database: { ...database, connection: { ...database.connection, poolMax: 1 } } },
    );
  });
  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  const send = (method: string, path: string, json?: unknown, token?: string) =>
    server.request(path, { method, json, headers: token ? bearer(token) : {} });
  const codeOf = async (response: Response) => (await readJson<ErrorBody>(response)).code;

  it('resets a password (the link spent with the change and the sign-outs)', async () => {
    const { credentials } = await registerUser(server);
    expect((await send('POST', '/auth/password/forgot', { email: credentials.email })).status).toBe(202);
    const token = tokenFromMail((await latestMail(server, credentials.email)).textBody);
    const reset = await send('POST', '/auth/password/reset', {
      token,
      password: 'another long passphrase 9',
    });
    expect(reset.status).toBe(204);
  });

  it('confirms an email address (the link spent with the verification and the session)', async () => {
    const { credentials } = await registerUser(server);
    expect((await send('POST', '/auth/email/verify/request', { email: credentials.email })).status).toBe(202);
    const token = tokenFromMail((await latestMail(server, credentials.email)).textBody);
    const confirmed = await send('POST', '/auth/email/verify/confirm', { token });
    expect(confirmed.status).toBe(200);
    expect(await codeOf(await send('POST', '/auth/email/verify/confirm', { token }))).toBe(
      'INVALID_OR_EXPIRED_TOKEN',
    );
  });

  it('locks the account on a wrong current password and signs out the session that sent it', async () => {
    const { tokens } = await registerUser(server);
    const change = () =>
      send(
        'POST',
        '/auth/password/change',
        { currentPassword: 'not the password at all', newPassword: 'another long passphrase 9' },
        tokens.accessToken,
      );
    expect(await codeOf(await change())).toBe('CURRENT_PASSWORD_INCORRECT');
    expect(await codeOf(await change())).toBe('ACCOUNT_LOCKED');
    expect(await codeOf(await send('GET', '/auth/me', undefined, tokens.accessToken))).toBe(
      'SESSION_REVOKED',
    );
  });

  it('signs in with a second-step recovery code (the code, the challenge and the session together)', async () => {
    const { credentials, tokens } = await registerUser(server);
    const setup = await send(
      'POST',
      '/auth/mfa/totp/setup',
      { password: credentials.password },
      tokens.accessToken,
    );
    const { secret } = await readJson<{ secret: string }>(setup);
    const code = hotp(decodeBase32(secret), totpStep(new Date()));
    const enabled = await send('POST', '/auth/mfa/totp/enable', { code }, tokens.accessToken);
    expect(enabled.status).toBe(200);
    const { recoveryCodes } = await readJson<{ recoveryCodes: string[] }>(enabled);
    const login = await send('POST', '/auth/login', {
      email: credentials.email,
      password: credentials.password,
    });
    const { mfaToken } = await readJson<{ mfaToken: string }>(login);
    const verified = await send('POST', '/auth/mfa/verify', { mfaToken, recoveryCode: recoveryCodes[0] });
    expect(verified.status).toBe(200);
  });

  it('uses an emailed confirmation code with the change it confirms, and leaves it usable when that change fails', async () => {
    const email = `code.only.${Date.now()}@example.com`;
    const mailedCode = async () => codeFromMail((await latestMail(server, email)).textBody);
    await send('POST', '/auth/email-code/start', { email });
    const signInCode = await mailedCode();
    // The sign-in code is used in the session's transaction: once.
    const tokens = await readJson<TokenPair>(
      await send('POST', '/auth/email-code/verify', { email, code: signInCode }),
    );
    expect(await codeOf(await send('POST', '/auth/email-code/verify', { email, code: signInCode }))).toBe(
      'INVALID_CODE',
    );
    expect((await send('POST', '/auth/reauthentication/code', undefined, tokens.accessToken)).status).toBe(
      202,
    );
    const code = await mailedCode();
    // A change that fails after spending the code in its transaction (on the pool's one connection).
    const confirmed = await server.app
      .get(AuthService)
      .confirmIdentity(
        { method: 'bearer', userId: tokens.user.id, sessionId: 'unused', role: 'user' },
        { code },
      );
    const failed = server.app.get<symbol, DatabaseHandle>(DATABASE).transaction(async (trx) => {
      await confirmed.spend(trx);
      throw new Error('the change failed after using the code');
    });
    await expect(failed).rejects.toThrow('the change failed after using the code');
    const mint = () => send('POST', '/auth/api-keys', { name: 'ci', scopes: [], code }, tokens.accessToken);
    expect((await mint()).status).toBe(201);
    expect(await codeOf(await mint())).toBe('INVALID_CODE');
  });

  it('changes the sign-in address; an address taken after the link was sent refuses it and leaves the link as it was', async () => {
    const { credentials, tokens } = await registerUser(server);
    const linkTo = async (email: string) => {
      const change = await send(
        'POST',
        '/auth/email/change',
        { email, password: credentials.password },
        tokens.accessToken,
      );
      expect(change.status).toBe(202);
      return tokenFromMail((await latestMail(server, email)).textBody);
    };
    const confirm = (token: string) => send('POST', '/auth/email/change/confirm', { token });
    const taken = `taken.${Date.now()}@example.com`;
    const refusedLink = await linkTo(taken);
    await registerUser(server, {
      email: taken,
      username: `taken_${Date.now()}`,
      password: credentials.password,
    });
    // Refused inside the change's transaction: the link is not spent (the same answer again, not
    // INVALID_OR_EXPIRED_TOKEN), on both engines.
    expect(await codeOf(await confirm(refusedLink))).toBe('EMAIL_TAKEN');
    expect(await codeOf(await confirm(refusedLink))).toBe('EMAIL_TAKEN');
    const free = `moved.${Date.now()}@example.com`;
    expect((await confirm(await linkTo(free))).status).toBe(204);
  });

  it('replaces an avatar (the old file retired with the profile change, its object deleted after)', async () => {
    const { tokens } = await registerUser(server);
    const first = await uploadFile(server, tokens.accessToken, 'avatar');
    const second = await uploadFile(server, tokens.accessToken, 'avatar');
    for (const avatarFileId of [first.id, second.id]) {
      expect((await send('PATCH', '/users/me', { avatarFileId }, tokens.accessToken)).status).toBe(200);
    }
    expect((await send('GET', `/files/${first.id}`, undefined, tokens.accessToken)).status).toBe(404);
  });

  it('disables an account as an administrator and deletes one as its owner (each with its sign-outs)', async () => {
    const admin = await registerAdmin(server);
    const target = await registerUser(server);
    const disabled = await send(
      'PATCH',
      `/admin/users/${target.tokens.user.id}`,
      { disabled: true },
      admin.tokens.accessToken,
    );
    expect(disabled.status).toBe(200);
    const owner = await registerUser(server);
    const deleted = await send(
      'DELETE',
      '/users/me',
      { password: owner.credentials.password },
      owner.tokens.accessToken,
    );
    expect(deleted.status).toBe(204);
  });
});
