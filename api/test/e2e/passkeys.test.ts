import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBase32, hotp, totpStep } from '../../src/auth/totp.js';
import {
  bearer,
  clearOfTotpStepBoundary,
  type ErrorBody,
  latestMail,
  RELAXED_LIMITS,
  readJson,
  registerUser,
  type TokenPair,
} from '../support/auth-helpers.js';
import { PASSKEY_SITE, passkeyCreationOptions, passkeyRequestOptions } from '../support/passkey-helpers.js';
import {
  SoftwareAuthenticator,
  type SoftwareAuthenticatorOptions,
} from '../support/software-authenticator.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

interface PasskeyBody {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  backedUp: boolean;
  deviceType: string;
}

describe('passkeys', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ ...RELAXED_LIMITS, PUBLIC_BASE_URL: PASSKEY_SITE });
  });
  afterAll(async () => {
    await server?.close();
  });

  const post = (path: string, json: unknown, token?: string) =>
    server.request(path, { method: 'POST', json, headers: token ? bearer(token) : {} });
  const authenticator = (options: Partial<SoftwareAuthenticatorOptions> = {}) =>
    new SoftwareAuthenticator({ origin: PASSKEY_SITE, ...options });

  const creationOptions = (token: string, password: string) =>
    passkeyCreationOptions(server, token, password);

  /** An account with one passkey on `device`. */
  async function accountWithPasskey(device = authenticator(), name?: string) {
    const { credentials, tokens } = await registerUser(server);
    const options = await creationOptions(tokens.accessToken, credentials.password);
    const created = await post(
      '/auth/passkeys',
      { response: device.register(options), name },
      tokens.accessToken,
    );
    expect(created.status).toBe(201);
    return { credentials, tokens, device, passkey: await readJson<PasskeyBody>(created) };
  }

  const requestOptions = () => passkeyRequestOptions(server);

  const signInWith = async (device: SoftwareAuthenticator, index = 0) =>
    post('/auth/passkeys/sign-in', { response: device.authenticate(await requestOptions(), index) });
  const codeOf = async (response: Response) => (await readJson<ErrorBody>(response)).code;

  it('adds a passkey after re-authentication, for this site, asking for a discoverable, verified one', async () => {
    const { credentials, tokens } = await registerUser(server);
    const withoutProof = await post('/auth/passkeys/registration/options', {}, tokens.accessToken);
    expect(withoutProof.status).toBe(403);
    expect(await codeOf(withoutProof)).toBe('REAUTHENTICATION_REQUIRED');
    const wrong = await post(
      '/auth/passkeys/registration/options',
      { password: 'not it at all' },
      tokens.accessToken,
    );
    expect(await codeOf(wrong)).toBe('CURRENT_PASSWORD_INCORRECT');
    const anonymous = await post('/auth/passkeys/registration/options', { password: credentials.password });
    expect(anonymous.status).toBe(401);

    const options = await creationOptions(tokens.accessToken, credentials.password);
    expect(options.rp).toEqual({ id: 'app.example.test', name: 'CloudNest' });
    expect(options.user.name).toBe(credentials.email);
    // The handle is the account id (it outlives a change of address), not the address.
    expect(Buffer.from(options.user.id, 'base64url').toString('utf8')).toBe(tokens.user.id);
    expect(options.authenticatorSelection).toMatchObject({
      residentKey: 'required',
      userVerification: 'required',
    });
    expect(options.attestation).toBe('none');

    const created = await post(
      '/auth/passkeys',
      { response: authenticator().register(options), name: '  Work laptop ' },
      tokens.accessToken,
    );
    expect(created.status).toBe(201);
    const passkey = await readJson<PasskeyBody>(created);
    expect(passkey).toMatchObject({
      name: 'Work laptop',
      lastUsedAt: null,
      backedUp: false,
      deviceType: 'singleDevice',
    });
    const list = await server.request('/auth/passkeys', { headers: bearer(tokens.accessToken) });
    expect((await readJson<{ items: PasskeyBody[] }>(list)).items).toEqual([passkey]);
    expect((await latestMail(server, credentials.email)).subject).toBe('A passkey was added to your account');
  });

  it('signs in with the passkey alone: no password, and no second step even with two-step sign-in on', async () => {
    const { credentials, tokens, device, passkey } = await accountWithPasskey(
      authenticator({ synced: true }),
    );
    expect(passkey).toMatchObject({ name: 'Passkey', backedUp: true, deviceType: 'multiDevice' });
    // Two-step sign-in on: a password sign-in now stops at the second step; a passkey does not.
    const setup = await post('/auth/mfa/totp/setup', { password: credentials.password }, tokens.accessToken);
    const { secret } = await readJson<{ secret: string }>(setup);
    await clearOfTotpStepBoundary();
    const code = hotp(decodeBase32(secret), totpStep(new Date()) - 1);
    expect((await post('/auth/mfa/totp/enable', { code }, tokens.accessToken)).status).toBe(200);
    expect(
      (await post('/auth/login', { email: credentials.email, password: credentials.password })).status,
    ).toBe(202);

    const signedIn = await signInWith(device);
    expect(signedIn.status).toBe(200);
    const session = await readJson<TokenPair>(signedIn);
    expect(session.user).toMatchObject({ email: credentials.email, mfaEnabled: true });
    const me = await server.request('/auth/me', { headers: bearer(session.accessToken) });
    expect(me.status).toBe(200);
    const sessions = await readJson<{ current: boolean; signInMethod: string | null }[]>(
      await server.request('/auth/sessions', { headers: bearer(session.accessToken) }),
    );
    expect(sessions.find((listed) => listed.current)?.signInMethod).toBe('passkey');
    const list = await server.request('/auth/passkeys', { headers: bearer(session.accessToken) });
    // `not.toBeNull()` also passed on a missing field or an empty list (test audit, 2026-12-07).
    const { items } = await readJson<{ items: PasskeyBody[] }>(list);
    expect(items).toHaveLength(1);
    expect(items[0]?.lastUsedAt).toEqual(expect.any(String));
    expect(Date.now() - Date.parse(items[0]?.lastUsedAt ?? '')).toBeLessThan(60_000);
  });

  it('delivers the session as cookies in cookie mode, like a password sign-in', async () => {
    const { device } = await accountWithPasskey();
    const response = await server.request('/auth/passkeys/sign-in?mode=cookie', {
      method: 'POST',
      json: { response: device.authenticate(await requestOptions()) },
    });
    expect(response.status).toBe(200);
    expect(response.headers.getSetCookie().map((cookie) => cookie.split('=')[0])).toEqual(
      expect.arrayContaining(['cn_refresh', '__Host-cn_csrf']),
    );
    expect((await readJson<TokenPair>(response)).refreshToken).toBeUndefined();
  });

  it('accepts each challenge once: a replayed answer or a reused registration fails', async () => {
    const { credentials, tokens, device } = await accountWithPasskey();
    const answer = device.authenticate(await requestOptions());
    expect((await post('/auth/passkeys/sign-in', { response: answer })).status).toBe(200);
    const replay = await post('/auth/passkeys/sign-in', { response: answer });
    expect(replay.status).toBe(401);
    expect(await codeOf(replay)).toBe('PASSKEY_SIGN_IN_FAILED');

    const options = await creationOptions(tokens.accessToken, credentials.password);
    const registration = authenticator().register(options);
    expect((await post('/auth/passkeys', { response: registration }, tokens.accessToken)).status).toBe(201);
    const again = await post('/auth/passkeys', { response: registration }, tokens.accessToken);
    expect(await codeOf(again)).toBe('PASSKEY_CHALLENGE_INVALID');
    // Options made for one account do not register a passkey on another.
    const other = await registerUser(server);
    const stolen = await post(
      '/auth/passkeys',
      { response: authenticator().register(await creationOptions(tokens.accessToken, credentials.password)) },
      other.tokens.accessToken,
    );
    expect(await codeOf(stolen)).toBe('PASSKEY_CHALLENGE_INVALID');
  });

  it('refuses a passkey made for another site, without user verification, or already registered', async () => {
    const { credentials, tokens } = await registerUser(server);
    const phishing = authenticator({ origin: 'https://app.example.test.evil.example' });
    const wrongOrigin = await post(
      '/auth/passkeys',
      { response: phishing.register(await creationOptions(tokens.accessToken, credentials.password)) },
      tokens.accessToken,
    );
    expect(wrongOrigin.status).toBe(400);
    expect(await codeOf(wrongOrigin)).toBe('PASSKEY_VERIFICATION_FAILED');
    const unverified = await post(
      '/auth/passkeys',
      {
        response: authenticator({ verifiesUser: false }).register(
          await creationOptions(tokens.accessToken, credentials.password),
        ),
      },
      tokens.accessToken,
    );
    expect(await codeOf(unverified)).toBe('PASSKEY_VERIFICATION_FAILED');

    // A browser would refuse (excludeCredentials); a client that sends it anyway gets 409.
    const device = authenticator();
    const first = device.register(await creationOptions(tokens.accessToken, credentials.password));
    expect((await post('/auth/passkeys', { response: first }, tokens.accessToken)).status).toBe(201);
    const options = await creationOptions(tokens.accessToken, credentials.password);
    expect(options.excludeCredentials?.map((credential) => credential.id)).toEqual([first.id]);
    const duplicate = await post(
      '/auth/passkeys',
      { response: device.register(options, 0) },
      tokens.accessToken,
    );
    expect(duplicate.status).toBe(409);
    expect(await codeOf(duplicate)).toBe('PASSKEY_ALREADY_REGISTERED');
    const list = await server.request('/auth/passkeys', { headers: bearer(tokens.accessToken) });
    expect((await readJson<{ items: PasskeyBody[] }>(list)).items).toHaveLength(1);
  });

  it('refuses a forged, altered, unknown, cloned or foreign-handle answer with one code', async () => {
    const { device, tokens, credentials } = await accountWithPasskey(authenticator({ counts: true }));
    // A key the site never registered (the options are this account's; the answer is never sent).
    const impostor = authenticator();
    impostor.register(await creationOptions(tokens.accessToken, credentials.password));
    const forged = impostor.authenticate(await requestOptions());
    // The impostor's key claiming the real passkey's id.
    const withStolenId = { ...forged, id: device.authenticate(await requestOptions()).id };
    withStolenId.rawId = withStolenId.id;
    expect(await codeOf(await post('/auth/passkeys/sign-in', { response: withStolenId }))).toBe(
      'PASSKEY_SIGN_IN_FAILED',
    );
    // An altered signature.
    const genuine = device.authenticate(await requestOptions());
    const signature = Buffer.from(genuine.response.signature, 'base64url');
    signature[signature.length - 1] = (signature[signature.length - 1] as number) ^ 1;
    const altered = {
      ...genuine,
      response: { ...genuine.response, signature: signature.toString('base64url') },
    };
    expect(await codeOf(await post('/auth/passkeys/sign-in', { response: altered }))).toBe(
      'PASSKEY_SIGN_IN_FAILED',
    );
    // A passkey this site never saw.
    expect(await codeOf(await post('/auth/passkeys/sign-in', { response: forged }))).toBe(
      'PASSKEY_SIGN_IN_FAILED',
    );
    // The handle must name the account the passkey belongs to.
    const foreign = device.authenticate(await requestOptions());
    foreign.response.userHandle = Buffer.from('00000000-0000-4000-8000-000000000000').toString('base64url');
    expect(await codeOf(await post('/auth/passkeys/sign-in', { response: foreign }))).toBe(
      'PASSKEY_SIGN_IN_FAILED',
    );

    // A cloned authenticator: once the original has signed past the clone's counter, the clone fails.
    const clone = device.clone();
    expect((await signInWith(device)).status).toBe(200);
    const fromClone = await signInWith(clone);
    expect(fromClone.status).toBe(401);
    expect(await codeOf(fromClone)).toBe('PASSKEY_SIGN_IN_FAILED');
    expect((await signInWith(device)).status).toBe(200);
  });

  it('removes a passkey (mailing the owner), which then cannot sign in; others cannot remove it', async () => {
    const { credentials, tokens, device, passkey } = await accountWithPasskey(undefined, 'Phone');
    const other = await registerUser(server);
    const foreign = await server.request(`/auth/passkeys/${passkey.id}`, {
      method: 'DELETE',
      headers: bearer(other.tokens.accessToken),
    });
    expect(foreign.status).toBe(404);
    expect(await codeOf(foreign)).toBe('PASSKEY_NOT_FOUND');
    const removed = await server.request(`/auth/passkeys/${passkey.id}`, {
      method: 'DELETE',
      headers: bearer(tokens.accessToken),
    });
    expect(removed.status).toBe(204);
    expect((await latestMail(server, credentials.email)).textBody).toContain(
      'The passkey named "Phone" was removed',
    );
    expect(await codeOf(await signInWith(device))).toBe('PASSKEY_SIGN_IN_FAILED');
    const twice = await server.request(`/auth/passkeys/${passkey.id}`, {
      method: 'DELETE',
      headers: bearer(tokens.accessToken),
    });
    expect(twice.status).toBe(404);
  });

  it('renames a passkey of its owner (trimmed, checked like a new name); others cannot', async () => {
    const { tokens, passkey } = await accountWithPasskey(undefined, 'Passkey');
    const rename = (json: unknown, token = tokens.accessToken, id = passkey.id) =>
      server.request(`/auth/passkeys/${id}`, { method: 'PATCH', headers: bearer(token), json });

    const renamed = await rename({ name: '  Work laptop ' });
    expect(renamed.status).toBe(200);
    expect(await readJson<PasskeyBody>(renamed)).toMatchObject({ id: passkey.id, name: 'Work laptop' });
    const list = await readJson<{ items: PasskeyBody[] }>(
      await server.request('/auth/passkeys', { headers: bearer(tokens.accessToken) }),
    );
    expect(list.items.map((item) => item.name)).toEqual(['Work laptop']);
    // The same name again is a rename too (not a missing passkey).
    expect((await rename({ name: 'Work laptop' })).status).toBe(200);

    for (const json of [
      { name: '' },
      { name: 'x'.repeat(65) },
      { name: 'tab\there' },
      {},
      { name: 'ok', extra: 1 },
    ]) {
      const refused = await rename(json);
      expect(refused.status).toBe(400);
      expect(await codeOf(refused)).toBe('VALIDATION_FAILED');
    }
    const other = await registerUser(server);
    const foreign = await rename({ name: 'Mine now' }, other.tokens.accessToken);
    expect(foreign.status).toBe(404);
    expect(await codeOf(foreign)).toBe('PASSKEY_NOT_FOUND');
    expect(await codeOf(await rename({ name: 'x' }, tokens.accessToken, randomUUID()))).toBe(
      'PASSKEY_NOT_FOUND',
    );
    // Nothing of it changed the name the owner gave.
    const after = await readJson<{ items: PasskeyBody[] }>(
      await server.request('/auth/passkeys', { headers: bearer(tokens.accessToken) }),
    );
    expect(after.items.map((item) => item.name)).toEqual(['Work laptop']);
  });

  it('holds at most 20 passkeys per account', async () => {
    const { credentials, tokens } = await accountWithPasskey();
    const now = new Date();
    await server.database.db
      .insertInto('passkeys')
      .values(
        Array.from({ length: 18 }, (_, i) => ({
          id: randomUUID(),
          userId: tokens.user.id,
          credentialId: `${tokens.user.id}-${i}`,
          publicKey: 'AAAA',
          counter: 0,
          transports: '[]',
          deviceType: 'singleDevice' as const,
          backedUp: false,
          name: `Key ${i}`,
          createdAt: now,
          lastUsedAt: null,
        })),
      )
      .execute();
    // The 20th still fits.
    const twentieth = authenticator().register(
      await creationOptions(tokens.accessToken, credentials.password),
    );
    expect((await post('/auth/passkeys', { response: twentieth }, tokens.accessToken)).status).toBe(201);
    const full = await post(
      '/auth/passkeys/registration/options',
      { password: credentials.password },
      tokens.accessToken,
    );
    expect(full.status).toBe(409);
    expect(await codeOf(full)).toBe('PASSKEY_LIMIT_REACHED');
  });

  it('lets the owner in past a lockout that wrong passwords caused, and clears it', async () => {
    const { credentials, tokens, device } = await accountWithPasskey();
    await server.database.db
      .updateTable('users')
      .set({ failedLoginCount: 10, lockedUntil: new Date(Date.now() + 15 * 60_000) })
      .where('id', '=', tokens.user.id)
      .execute();
    const locked = await post('/auth/login', { email: credentials.email, password: credentials.password });
    expect(locked.status).toBe(401);
    expect((await signInWith(device)).status).toBe(200);
    const row = await server.database.db
      .selectFrom('users')
      .select(['failedLoginCount', 'lockedUntil'])
      .where('id', '=', tokens.user.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ failedLoginCount: 0, lockedUntil: null });
    expect(
      (await post('/auth/login', { email: credentials.email, password: credentials.password })).status,
    ).toBe(200);
  });

  it('with email verification required, refuses an account whose address is not verified', async () => {
    const { tokens, device } = await accountWithPasskey();
    await server.database.db
      .updateTable('users')
      .set({ emailVerifiedAt: null })
      .where('id', '=', tokens.user.id)
      .execute();
    const strict = await startTestServer(
      { ...RELAXED_LIMITS, PUBLIC_BASE_URL: PASSKEY_SITE, AUTH_REQUIRE_EMAIL_VERIFICATION: 'true' },
      'postgres',
      { database: server.database },
    );
    try {
      const refused = await strict.request('/auth/passkeys/sign-in', {
        method: 'POST',
        json: { response: device.authenticate(await passkeyRequestOptions(strict)) },
      });
      expect(refused.status).toBe(403);
      expect(await codeOf(refused)).toBe('EMAIL_NOT_VERIFIED');
    } finally {
      await strict.close();
    }
    // Where verification is not required, the same passkey signs in.
    expect((await signInWith(device)).status).toBe(200);
  });

  it('does not sign a disabled account in', async () => {
    const { tokens, device } = await accountWithPasskey();
    await server.database.db
      .updateTable('users')
      .set({ disabledAt: new Date() })
      .where('id', '=', tokens.user.id)
      .execute();
    const response = await signInWith(device);
    expect(response.status).toBe(403);
    expect(await codeOf(response)).toBe('ACCOUNT_DISABLED');
  });

  it('answers malformed answers with 400 VALIDATION_FAILED, never a 5xx', async () => {
    const bodies: unknown[] = [
      {},
      { response: null },
      {
        response: {
          id: 'not base64url!',
          rawId: 'x',
          type: 'public-key',
          response: {},
          clientExtensionResults: {},
        },
      },
      {
        response: {
          id: 'AAAA',
          rawId: 'AAAA',
          type: 'password',
          response: { clientDataJSON: 'AAAA', authenticatorData: 'AAAA', signature: 'AAAA' },
          clientExtensionResults: {},
        },
      },
      {
        response: {
          id: 'A'.repeat(600),
          rawId: 'A',
          type: 'public-key',
          response: {},
          clientExtensionResults: {},
        },
      },
      { response: {}, extra: true },
    ];
    for (const body of bodies) {
      const response = await post('/auth/passkeys/sign-in', body);
      expect(response.status).toBe(400);
      expect(await codeOf(response)).toBe('VALIDATION_FAILED');
    }
    // Well-formed but meaningless: clientDataJSON that is not JSON, or names no live challenge.
    for (const clientDataJSON of ['AAAA', Buffer.from('{"challenge":"nope"}').toString('base64url')]) {
      const response = await post('/auth/passkeys/sign-in', {
        response: {
          id: 'AAAA',
          rawId: 'AAAA',
          type: 'public-key',
          response: { clientDataJSON, authenticatorData: 'AAAA', signature: 'AAAA' },
          clientExtensionResults: {},
        },
      });
      expect(response.status).toBe(401);
      expect(await codeOf(response)).toBe('PASSKEY_SIGN_IN_FAILED');
    }
  });
});
