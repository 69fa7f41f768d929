import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBase32, hotp, totpStep } from '../../src/auth/totp.js';
import {
  bearer,
  clearOfTotpStepBoundary,
  codeFromMail,
  latestMail,
  RELAXED_LIMITS,
  readJson,
  registerUser,
  type TokenPair,
  tokenFromMail,
} from '../support/auth-helpers.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../support/test-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * An address registered while verification was off, by someone who could not read its mailbox:
 * once verification is required and the owner signs in with an emailed code, nothing the
 * registrant set up still works, on each engine (the API keys, sessions and second step are rows
 * of the real database, ended in the owner's sign-in transaction).
 */
describe.each(testDialects())('the registrant of an unproven address on %s', (dialect) => {
  let database: TestDatabase;
  let before: TestServer;
  let after: TestServer;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    before = await startTestServer({ ...RELAXED_LIMITS, AUTH_REQUIRE_EMAIL_VERIFICATION: 'false' }, dialect, {
      database,
    });
    after = await startTestServer({ ...RELAXED_LIMITS, AUTH_REQUIRE_EMAIL_VERIFICATION: 'true' }, dialect, {
      database,
    });
  });
  afterAll(async () => {
    await before?.close();
    await after?.close();
    await database?.drop();
  });

  /** An account registered while verification was off, signed in, with an API key of its own. */
  async function registrantWithKey() {
    const registrant = await registerUser(before);
    const { email, password } = registrant.credentials;
    const auth = bearer(registrant.tokens.accessToken);
    const key = await readJson<{ key: string }>(
      await before.request('/auth/api-keys', {
        method: 'POST',
        headers: auth,
        json: { name: 'kept', scopes: ['users:read'], password },
      }),
    );
    return { registrant, email, password, auth, key };
  }

  /** The registrant asks to move the account to a mailbox of theirs; resolves to the link's token. */
  async function addressChangeToTheirMailbox(
    auth: Record<string, string>,
    password: string,
  ): Promise<string> {
    const theirs = `registrant.${Date.now()}.${Math.random().toString(36).slice(2)}@example.com`;
    const change = await before.request('/auth/email/change', {
      method: 'POST',
      headers: auth,
      json: { email: theirs, password },
    });
    expect(change.status).toBe(202);
    return tokenFromMail((await latestMail(before, theirs)).textBody);
  }

  it('loses every way in once the owner resets the password, and an address change it asked for dies', async () => {
    const { registrant, email, password, auth, key } = await registrantWithKey();
    // The registrant asks to move the account to a mailbox of theirs.
    const changeToken = await addressChangeToTheirMailbox(auth, password);

    // Verification now required: the owner resets the password from the mailbox.
    await after.request('/auth/password/forgot', { method: 'POST', json: { email } });
    const resetToken = tokenFromMail((await latestMail(after, email)).textBody);
    const reset = await after.request('/auth/password/reset', {
      method: 'POST',
      json: { token: resetToken, password: 'the owner’s own password 8' },
    });
    expect(reset.status).toBe(204);

    const profile = `/users/${registrant.tokens.user.id}`;
    expect((await after.request(profile, { headers: { 'x-api-key': key.key } })).status).toBe(401);
    const moved = await after.request('/auth/email/change/confirm', {
      method: 'POST',
      json: { token: changeToken },
    });
    expect(moved.status).toBe(400);
    const account = await database.db
      .selectFrom('users')
      .select(['email'])
      .where('id', '=', registrant.tokens.user.id)
      .executeTakeFirstOrThrow();
    expect(account.email).toBe(email);
  });

  it('loses every way in once the owner proves the address with an emailed code', async () => {
    // Verification off: the registrant is signed in at once, adds a key and a second step, and
    // asks to move the account to a mailbox of theirs.
    const { registrant, email, password, auth, key } = await registrantWithKey();
    const changeToken = await addressChangeToTheirMailbox(auth, password);
    const setup = await readJson<{ secret: string }>(
      await before.request('/auth/mfa/totp/setup', { method: 'POST', headers: auth, json: { password } }),
    );
    await clearOfTotpStepBoundary();
    const code = hotp(decodeBase32(setup.secret), totpStep(new Date()));
    const enabled = await before.request('/auth/mfa/totp/enable', {
      method: 'POST',
      headers: auth,
      json: { code },
    });
    expect(enabled.status).toBe(200);
    const profile = `/users/${registrant.tokens.user.id}`;
    expect((await after.request(profile, { headers: { 'x-api-key': key.key } })).status).toBe(200);

    // Verification now required: the owner of the mailbox signs in by code.
    await after.request('/auth/email-code/start', { method: 'POST', json: { email } });
    const mailed = codeFromMail((await latestMail(after, email)).textBody);
    const owner = await after.request('/auth/email-code/verify', {
      method: 'POST',
      json: { email, code: mailed },
    });
    // A session, not the registrant's second step.
    expect(owner.status).toBe(200);
    expect((await readJson<TokenPair>(owner)).accessToken).toEqual(expect.any(String));

    const keyAfter = await after.request(profile, { headers: { 'x-api-key': key.key } });
    expect(keyAfter.status).toBe(401);
    // The address change the registrant asked for died with the rest.
    const moved = await after.request('/auth/email/change/confirm', {
      method: 'POST',
      json: { token: changeToken },
    });
    expect(moved.status).toBe(400);
    // The registrant's sessions are revoked; only the owner's new one is live.
    const sessions = await database.db
      .selectFrom('sessions')
      .select(['revokedReason'])
      .where('userId', '=', registrant.tokens.user.id)
      .execute();
    expect(sessions.map((session) => session.revokedReason).sort()).toEqual([null, 'registrant_replaced']);
    const login = await after.request('/auth/login', { method: 'POST', json: { email, password } });
    expect(login.status).toBe(401);
    const rows = await database.db
      .selectFrom('users')
      .select(['passwordHash', 'mfaEnabledAt'])
      .where('email', '=', email)
      .executeTakeFirstOrThrow();
    expect(rows).toEqual({ passwordHash: null, mfaEnabledAt: null });
  });
});
