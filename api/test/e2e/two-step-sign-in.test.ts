import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBase32, hotp, totpStep } from '../../src/auth/totp.js';
import {
  bearer,
  clearOfTotpStepBoundary,
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
import { startTestServer, type TestServer } from '../support/test-server.js';

interface Challenge {
  status: 'mfa_required';
  mfaToken: string;
  expiresIn: number;
}

/**
 * The authenticator app: the code of the step `offset` steps from now. A code is accepted once,
 * so a test uses offset -1 to turn two-step sign-in on and later offsets after that (each within
 * the one step of drift the server accepts).
 */
function authenticatorCode(secret: string, offset = 0): string {
  return hotp(decodeBase32(secret), totpStep(new Date()) + offset);
}

describe('two-step sign-in (TOTP)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(RELAXED_LIMITS);
  });
  afterAll(async () => {
    await server?.close();
  });

  const post = (path: string, json: unknown, token?: string) =>
    server.request(path, { method: 'POST', json, headers: token ? bearer(token) : {} });
  const codeOf = async (response: Response) => (await readJson<ErrorBody>(response)).code;

  /** A new account with two-step sign-in on; its secret, recovery codes and a signed-in session. */
  async function accountWithTwoStep() {
    const { credentials, tokens } = await registerUser(server);
    const setup = await post('/auth/mfa/totp/setup', { password: credentials.password }, tokens.accessToken);
    expect(setup.status).toBe(200);
    const { secret } = await readJson<{ secret: string }>(setup);
    // The test's codes (this one and the sign-ins after it) all fall in the steps around now.
    await clearOfTotpStepBoundary();
    const enabled = await post(
      '/auth/mfa/totp/enable',
      { code: authenticatorCode(secret, -1) },
      tokens.accessToken,
    );
    expect(enabled.status).toBe(200);
    const { recoveryCodes } = await readJson<{ recoveryCodes: string[] }>(enabled);
    return { credentials, tokens, secret, recoveryCodes };
  }

  async function challengeFor(credentials: { email: string; password: string }): Promise<Challenge> {
    const login = await post('/auth/login', { email: credentials.email, password: credentials.password });
    expect(login.status).toBe(202);
    return readJson<Challenge>(login);
  }

  it('sets up with re-authentication, shows a scannable secret, and turns on only with a right code', async () => {
    const { credentials, tokens } = await registerUser(server);
    const withoutProof = await post('/auth/mfa/totp/setup', {}, tokens.accessToken);
    expect(withoutProof.status).toBe(403);
    expect(await codeOf(withoutProof)).toBe('REAUTHENTICATION_REQUIRED');
    const wrongPassword = await post(
      '/auth/mfa/totp/setup',
      { password: 'not my password' },
      tokens.accessToken,
    );
    expect(await codeOf(wrongPassword)).toBe('CURRENT_PASSWORD_INCORRECT');
    const beforeSetup = await post('/auth/mfa/totp/enable', { code: '123456' }, tokens.accessToken);
    expect(beforeSetup.status).toBe(409);
    expect(await codeOf(beforeSetup)).toBe('MFA_SETUP_NOT_STARTED');

    const setup = await post('/auth/mfa/totp/setup', { password: credentials.password }, tokens.accessToken);
    const { secret, otpauthUri } = await readJson<{ secret: string; otpauthUri: string }>(setup);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    // The database holds it sealed (TotpSecretCipher), not in clear.
    const stored = await server.database.db
      .selectFrom('totpCredentials')
      .select('secret')
      .where('userId', '=', tokens.user.id)
      .executeTakeFirstOrThrow();
    expect(stored.secret).toMatch(/^v2\.[0-9a-f]{12}\./);
    expect(stored.secret).not.toContain(secret);
    expect(otpauthUri).toBe(
      `otpauth://totp/CloudNest:${encodeURIComponent(credentials.email)}?secret=${secret}&issuer=CloudNest&algorithm=SHA1&digits=6&period=30`,
    );
    await clearOfTotpStepBoundary();
    const right = authenticatorCode(secret, -1);
    const wrong = await post(
      '/auth/mfa/totp/enable',
      { code: right === '000000' ? '111111' : '000000' },
      tokens.accessToken,
    );
    expect(wrong.status).toBe(401);
    expect(await codeOf(wrong)).toBe('INVALID_CODE');
    const meBefore = await readJson<{ mfaEnabled: boolean }>(
      await server.request('/auth/me', { headers: bearer(tokens.accessToken) }),
    );
    expect(meBefore.mfaEnabled).toBe(false);

    const enabled = await post('/auth/mfa/totp/enable', { code: right }, tokens.accessToken);
    expect(enabled.status).toBe(200);
    const { recoveryCodes } = await readJson<{ recoveryCodes: string[] }>(enabled);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const code of recoveryCodes) expect(code).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
    const me = await readJson<{ mfaEnabled: boolean }>(
      await server.request('/auth/me', { headers: bearer(tokens.accessToken) }),
    );
    expect(me.mfaEnabled).toBe(true);
    expect((await latestMail(server, credentials.email)).subject).toBe('Two-step sign-in was turned on');

    const again = await post('/auth/mfa/totp/setup', { password: credentials.password }, tokens.accessToken);
    expect(again.status).toBe(409);
    expect(await codeOf(again)).toBe('MFA_ALREADY_ENABLED');
  });

  it('signs out the other sessions when it is turned on, keeping the one that turned it on', async () => {
    const { credentials, tokens } = await registerUser(server);
    const other = await readJson<TokenPair>(
      await post('/auth/login', { email: credentials.email, password: credentials.password }),
    );
    const setup = await post('/auth/mfa/totp/setup', { password: credentials.password }, tokens.accessToken);
    const { secret } = await readJson<{ secret: string }>(setup);
    await clearOfTotpStepBoundary();
    await post('/auth/mfa/totp/enable', { code: authenticatorCode(secret, -1) }, tokens.accessToken);
    expect((await server.request('/auth/me', { headers: bearer(tokens.accessToken) })).status).toBe(200);
    const otherMe = await server.request('/auth/me', { headers: bearer(other.accessToken) });
    expect(otherMe.status).toBe(401);
    expect(await codeOf(otherMe)).toBe('SESSION_REVOKED');
    expect((await post('/auth/refresh', { refreshToken: other.refreshToken })).status).toBe(401);
  });

  it('asks a password sign-in for the code; a wrong code, then the right one; a code works once', async () => {
    const { credentials, secret } = await accountWithTwoStep();
    const challenge = await challengeFor(credentials);
    expect(challenge).toEqual({ status: 'mfa_required', mfaToken: expect.any(String), expiresIn: 300 });
    expect(challenge).not.toHaveProperty('accessToken');

    const code = authenticatorCode(secret);
    const wrong = await post('/auth/mfa/verify', {
      mfaToken: challenge.mfaToken,
      code: code === '000000' ? '111111' : '000000',
    });
    expect(wrong.status).toBe(401);
    expect(await codeOf(wrong)).toBe('INVALID_CODE');
    const ok = await post('/auth/mfa/verify', { mfaToken: challenge.mfaToken, code });
    expect(ok.status).toBe(200);
    const tokens = await readJson<TokenPair & { user: { mfaEnabled: boolean } }>(ok);
    expect(tokens.user).toMatchObject({ email: credentials.email, mfaEnabled: true });
    expect((await server.request('/auth/me', { headers: bearer(tokens.accessToken) })).status).toBe(200);

    // The challenge is spent; and the same code with a new challenge is a replay.
    const spent = await post('/auth/mfa/verify', { mfaToken: challenge.mfaToken, code });
    expect(await codeOf(spent)).toBe('MFA_CHALLENGE_INVALID');
    const replay = await post('/auth/mfa/verify', {
      mfaToken: (await challengeFor(credentials)).mfaToken,
      code,
    });
    expect(replay.status).toBe(401);
    expect(await codeOf(replay)).toBe('INVALID_CODE');
  });

  it('ends a challenge after 5 wrong codes, even for the right code afterwards', async () => {
    const { credentials, secret } = await accountWithTwoStep();
    const { mfaToken } = await challengeFor(credentials);
    const right = authenticatorCode(secret);
    const wrong = right === '000000' ? '111111' : '000000';
    for (let attempt = 0; attempt < 5; attempt++) {
      expect(await codeOf(await post('/auth/mfa/verify', { mfaToken, code: wrong }))).toBe('INVALID_CODE');
    }
    const late = await post('/auth/mfa/verify', { mfaToken, code: right });
    expect(late.status).toBe(401);
    expect(await codeOf(late)).toBe('MFA_CHALLENGE_INVALID');
    // A new sign-in gets a new challenge, and the code (unused so far) works with it.
    const fresh = await post('/auth/mfa/verify', {
      mfaToken: (await challengeFor(credentials)).mfaToken,
      code: right,
    });
    expect(fresh.status).toBe(200);
  });

  // Found by mutation testing (2026-12-07): dropping the expiry from the challenge lookup passed.
  it('refuses the right code for a challenge past its expiry', async () => {
    const { credentials, secret } = await accountWithTwoStep();
    const { mfaToken } = await challengeFor(credentials);
    await server.database.db
      .updateTable('oneTimeTokens')
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where('email', '=', credentials.email)
      .where('purpose', '=', 'mfa_challenge')
      .execute();
    const late = await post('/auth/mfa/verify', { mfaToken, code: authenticatorCode(secret) });
    expect(late.status).toBe(401);
    expect(await codeOf(late)).toBe('MFA_CHALLENGE_INVALID');
  });

  it('counts wrong codes towards the lockout, which signing in with the password does not clear', async () => {
    const { credentials, secret } = await accountWithTwoStep();
    const right = authenticatorCode(secret);
    const wrong = right === '000000' ? '111111' : '000000';
    const codes: string[] = [];
    // AUTH_LOCKOUT_THRESHOLD is 10: two challenges of five wrong codes each.
    for (let challenge = 0; challenge < 2; challenge++) {
      const { mfaToken } = await challengeFor(credentials);
      for (let attempt = 0; attempt < 5; attempt++) {
        codes.push(await codeOf(await post('/auth/mfa/verify', { mfaToken, code: wrong })));
      }
    }
    expect(codes).toEqual([...Array(9).fill('INVALID_CODE'), 'ACCOUNT_LOCKED']);
    expect((await latestMail(server, credentials.email)).subject).toContain('locked');
    // Locked: the password is refused like any wrong one, and the right code would not help.
    const login = await post('/auth/login', { email: credentials.email, password: credentials.password });
    expect(await codeOf(login)).toBe('INVALID_CREDENTIALS');
  });

  it('lets a reset lift a lockout, but not restore the day’s budget of wrong codes', async () => {
    const { credentials, secret } = await accountWithTwoStep();
    const right = authenticatorCode(secret);
    const wrong = right === '000000' ? '111111' : '000000';
    let password = credentials.password;
    const tenWrongCodes = async () => {
      const codes: string[] = [];
      for (let challenge = 0; challenge < 2; challenge++) {
        const { mfaToken } = await challengeFor({ email: credentials.email, password });
        for (let attempt = 0; attempt < 5; attempt++)
          codes.push(await codeOf(await post('/auth/mfa/verify', { mfaToken, code: wrong })));
      }
      return codes.at(-1);
    };
    const reset = async (to: string) => {
      await post('/auth/password/forgot', { email: credentials.email });
      const token = tokenFromMail((await latestMail(server, credentials.email)).textBody);
      expect((await post('/auth/password/reset', { token, password: to })).status).toBe(204);
      password = to;
    };
    // Whoever holds the mailbox: lock, reset (which lifts the lock), lock again, reset again.
    expect(await tenWrongCodes()).toBe('ACCOUNT_LOCKED');
    await reset('reset by whoever reads the mail 1');
    expect(await tenWrongCodes()).toBe('ACCOUNT_LOCKED');
    await reset('reset by whoever reads the mail 2');
    // Twenty wrong codes today: the second step takes no code, not even the right one.
    const { mfaToken } = await challengeFor({ email: credentials.email, password });
    const refused = await post('/auth/mfa/verify', { mfaToken, code: authenticatorCode(secret) });
    expect(refused.status).toBe(403);
    expect(await codeOf(refused)).toBe('SECOND_STEP_LIMIT_REACHED');
  });

  it('clears earlier wrong codes once the second step succeeds', async () => {
    const { credentials, secret } = await accountWithTwoStep();
    const right = authenticatorCode(secret);
    const wrong = right === '000000' ? '111111' : '000000';
    const { mfaToken } = await challengeFor(credentials);
    for (let attempt = 0; attempt < 4; attempt++) await post('/auth/mfa/verify', { mfaToken, code: wrong });
    expect((await post('/auth/mfa/verify', { mfaToken, code: right })).status).toBe(200);
    const row = await server.database.db
      .selectFrom('users')
      .select('failedLoginCount')
      .where('email', '=', credentials.email)
      .executeTakeFirstOrThrow();
    expect(row.failedLoginCount).toBe(0);
  });

  it('keeps one live challenge per account: a newer sign-in retires the older challenge', async () => {
    const { credentials, secret } = await accountWithTwoStep();
    const first = await challengeFor(credentials);
    await challengeFor(credentials);
    const old = await post('/auth/mfa/verify', { mfaToken: first.mfaToken, code: authenticatorCode(secret) });
    expect(await codeOf(old)).toBe('MFA_CHALLENGE_INVALID');
    const unknown = await post('/auth/mfa/verify', {
      mfaToken: 'x'.repeat(43),
      code: authenticatorCode(secret),
    });
    expect(unknown.status).toBe(401);
    expect(await codeOf(unknown)).toBe('MFA_CHALLENGE_INVALID');
  });

  it('takes each recovery code once, typed any way (case, dash, look-alike digits), and mails the owner how many are left', async () => {
    const { credentials, recoveryCodes } = await accountWithTwoStep();
    const [first, second] = recoveryCodes as [string, string];
    const ok = await post('/auth/mfa/verify', {
      mfaToken: (await challengeFor(credentials)).mfaToken,
      recoveryCode: ` ${first.toUpperCase()} `,
    });
    expect(ok.status).toBe(200);
    const mail = await latestMail(server, credentials.email);
    expect(mail.subject).toBe('A recovery code was used to sign in');
    expect(mail.textBody).toContain('9 unused recovery codes remain.');
    const reused = await post('/auth/mfa/verify', {
      mfaToken: (await challengeFor(credentials)).mfaToken,
      recoveryCode: first,
    });
    expect(await codeOf(reused)).toBe('INVALID_CODE');
    // Without the dash, and with digits for the letters they look like (o → 0, l → 1, b → 8).
    const retyped = second.replace('-', '').replaceAll('o', '0').replaceAll('l', '1').replaceAll('b', '8');
    const withoutDash = await post('/auth/mfa/verify', {
      mfaToken: (await challengeFor(credentials)).mfaToken,
      recoveryCode: retyped,
    });
    expect(withoutDash.status).toBe(200);
  });

  it('refuses a recovery code of another account', async () => {
    const alice = await accountWithTwoStep();
    const bob = await accountWithTwoStep();
    const response = await post('/auth/mfa/verify', {
      mfaToken: (await challengeFor(alice.credentials)).mfaToken,
      recoveryCode: bob.recoveryCodes[0],
    });
    expect(await codeOf(response)).toBe('INVALID_CODE');
  });

  it('replaces the recovery codes with re-authentication; the old ones stop working', async () => {
    const { credentials, tokens, recoveryCodes } = await accountWithTwoStep();
    const withoutProof = await post('/auth/mfa/recovery-codes', {}, tokens.accessToken);
    expect(await codeOf(withoutProof)).toBe('REAUTHENTICATION_REQUIRED');
    const replaced = await post(
      '/auth/mfa/recovery-codes',
      { password: credentials.password },
      tokens.accessToken,
    );
    expect(replaced.status).toBe(200);
    const fresh = (await readJson<{ recoveryCodes: string[] }>(replaced)).recoveryCodes;
    expect(fresh).toHaveLength(10);
    expect(fresh).not.toContain(recoveryCodes[0]);
    expect((await latestMail(server, credentials.email)).subject).toBe('New recovery codes were made');
    const old = await post('/auth/mfa/verify', {
      mfaToken: (await challengeFor(credentials)).mfaToken,
      recoveryCode: recoveryCodes[0],
    });
    expect(await codeOf(old)).toBe('INVALID_CODE');
    const ok = await post('/auth/mfa/verify', {
      mfaToken: (await challengeFor(credentials)).mfaToken,
      recoveryCode: fresh[0],
    });
    expect(ok.status).toBe(200);
  });

  it('asks for the code after an emailed sign-in code and after a verification link too', async () => {
    const { credentials, secret } = await accountWithTwoStep();
    await post('/auth/email-code/start', { email: credentials.email });
    const emailCode = codeFromMail((await latestMail(server, credentials.email)).textBody);
    const byCode = await post('/auth/email-code/verify', { email: credentials.email, code: emailCode });
    expect(byCode.status).toBe(202);
    expect(await readJson<Challenge>(byCode)).toMatchObject({ status: 'mfa_required' });

    // An account that turned it on before confirming its address (verification not required here).
    await server.database.db
      .updateTable('users')
      .set({ emailVerifiedAt: null })
      .where('email', '=', credentials.email)
      .execute();
    await post('/auth/email/verify/request', { email: credentials.email });
    const token = tokenFromMail((await latestMail(server, credentials.email)).textBody);
    const byLink = await post('/auth/email/verify/confirm', { token });
    expect(byLink.status).toBe(202);
    const { mfaToken } = await readJson<Challenge>(byLink);
    const ok = await post('/auth/mfa/verify', { mfaToken, code: authenticatorCode(secret) });
    expect(ok.status).toBe(200);
  });

  it('finishes a browser sign-in in cookie mode: no cookie with the challenge, the cookie with the tokens', async () => {
    const { credentials, secret } = await accountWithTwoStep();
    const login = await server.request('/auth/login?mode=cookie', {
      method: 'POST',
      json: { email: credentials.email, password: credentials.password },
    });
    expect(login.status).toBe(202);
    expect(login.headers.getSetCookie()).toEqual([]);
    const { mfaToken } = await readJson<Challenge>(login);
    const verified = await server.request('/auth/mfa/verify?mode=cookie', {
      method: 'POST',
      json: { mfaToken, code: authenticatorCode(secret) },
    });
    expect(verified.status).toBe(200);
    expect(await readJson<Partial<TokenPair>>(verified)).not.toHaveProperty('refreshToken');
    expect(verified.headers.getSetCookie().some((cookie) => cookie.startsWith('cn_refresh='))).toBe(true);
  });

  it('turns off with re-authentication; sign-in takes one step again', async () => {
    const { credentials, tokens } = await accountWithTwoStep();
    const wrong = await server.request('/auth/mfa/totp', {
      method: 'DELETE',
      json: { password: 'not my password' },
      headers: bearer(tokens.accessToken),
    });
    expect(await codeOf(wrong)).toBe('CURRENT_PASSWORD_INCORRECT');
    const off = await server.request('/auth/mfa/totp', {
      method: 'DELETE',
      json: { password: credentials.password },
      headers: bearer(tokens.accessToken),
    });
    expect(off.status).toBe(204);
    expect((await latestMail(server, credentials.email)).subject).toBe('Two-step sign-in was turned off');
    const login = await post('/auth/login', { email: credentials.email, password: credentials.password });
    expect(login.status).toBe(200);
    expect((await readJson<TokenPair & { user: { mfaEnabled: boolean } }>(login)).user.mfaEnabled).toBe(
      false,
    );
    const offAgain = await server.request('/auth/mfa/totp', {
      method: 'DELETE',
      json: { password: credentials.password },
      headers: bearer(tokens.accessToken),
    });
    expect(offAgain.status).toBe(409);
    expect(await codeOf(offAgain)).toBe('MFA_NOT_ENABLED');
  });

  it('refuses a challenge once two-step sign-in was turned off after it was issued', async () => {
    const { credentials, tokens, secret } = await accountWithTwoStep();
    const { mfaToken } = await challengeFor(credentials);
    await server.request('/auth/mfa/totp', {
      method: 'DELETE',
      json: { password: credentials.password },
      headers: bearer(tokens.accessToken),
    });
    const response = await post('/auth/mfa/verify', { mfaToken, code: authenticatorCode(secret) });
    expect(await codeOf(response)).toBe('MFA_CHALLENGE_INVALID');
  });

  // Found in review: a challenge issued for the old password could still be answered for its
  // five minutes after a reset (the second step does not look at the password).
  // Found in review (2026-12-07): concurrent setups both inserted the credential; one answered 500.
  it('takes setups started at once (a double click, two tabs) one after the other; the last one stands', async () => {
    // Three accounts at once, four setups each: the collision is a matter of timing.
    const accounts = await Promise.all(Array.from({ length: 3 }, () => registerUser(server)));
    const setups = await Promise.all(
      accounts.map(({ credentials, tokens }) =>
        Promise.all(
          Array.from({ length: 4 }, () =>
            post('/auth/mfa/totp/setup', { password: credentials.password }, tokens.accessToken),
          ),
        ),
      ),
    );
    expect(setups.flat().map((response) => response.status)).toEqual(Array(12).fill(200));
    // Exactly one secret of each account is live: the setup that came last replaced the others.
    await clearOfTotpStepBoundary();
    for (const [index, { tokens }] of accounts.entries()) {
      const secrets = await Promise.all(
        (setups[index] ?? []).map((response) => readJson<{ secret: string }>(response)),
      );
      const outcomes = await Promise.all(
        secrets.map(({ secret }) =>
          post('/auth/mfa/totp/enable', { code: authenticatorCode(secret, -1) }, tokens.accessToken).then(
            (response) => response.status,
          ),
        ),
      );
      expect(outcomes.filter((status) => status === 200)).toHaveLength(1);
    }
  });

  it('refuses a challenge issued before the password was reset or changed', async () => {
    const { credentials, secret } = await accountWithTwoStep();
    const beforeReset = await challengeFor(credentials);
    expect((await post('/auth/password/forgot', { email: credentials.email })).status).toBe(202);
    const token = tokenFromMail((await latestMail(server, credentials.email)).textBody);
    const password = 'a completely new passphrase 5';
    expect((await post('/auth/password/reset', { token, password })).status).toBe(204);
    const late = await post('/auth/mfa/verify', {
      mfaToken: beforeReset.mfaToken,
      code: authenticatorCode(secret),
    });
    expect(await codeOf(late)).toBe('MFA_CHALLENGE_INVALID');

    const other = await accountWithTwoStep();
    const beforeChange = await challengeFor(other.credentials);
    const changed = await post(
      '/auth/password/change',
      { currentPassword: other.credentials.password, newPassword: 'another new passphrase 6' },
      other.tokens.accessToken,
    );
    expect(changed.status).toBe(204);
    const stale = await post('/auth/mfa/verify', {
      mfaToken: beforeChange.mfaToken,
      code: authenticatorCode(other.secret),
    });
    expect(await codeOf(stale)).toBe('MFA_CHALLENGE_INVALID');
  });

  // Found in review (2026-12-07): the challenge was issued without the lock a session takes, so a
  // login racing the reset got one the reset never saw, and its second step signed in afterwards.
  it('never lets an old-password sign-in racing a reset finish its second step', async () => {
    const survivors: number[] = [];
    const outcomes = new Set<string>();
    // Staggered starts sweep the login across the reset's transaction (as for one-step accounts in
    // auth-security.test.ts); which ones overlap varies, but none may end signed in.
    const delays = Array.from({ length: 16 }, (_, index) => index * 8);
    // Made and sent their reset links all at once: only the race itself runs one at a time.
    const accounts = await Promise.all(
      delays.map(async () => {
        const account = await accountWithTwoStep();
        expect((await post('/auth/password/forgot', { email: account.credentials.email })).status).toBe(202);
        const token = tokenFromMail((await latestMail(server, account.credentials.email)).textBody);
        return { ...account, token };
      }),
    );
    for (const [index, delay] of delays.entries()) {
      const { credentials, secret, token } = accounts[index] as (typeof accounts)[number];
      const reset = post('/auth/password/reset', { token, password: 'a brand new passphrase 99' });
      await new Promise((resolve) => setTimeout(resolve, delay));
      const login = await post('/auth/login', { email: credentials.email, password: credentials.password });
      expect((await reset).status).toBe(204);
      if (login.status !== 202) {
        const code = await codeOf(login);
        expect(['INVALID_CREDENTIALS', 'SIGN_IN_INTERRUPTED']).toContain(code);
        // Interrupted: the old password passed, and the reset committed before the session could.
        outcomes.add(code === 'INVALID_CREDENTIALS' ? 'after the reset' : 'on the old password');
        continue;
      }
      outcomes.add('on the old password');
      const { mfaToken } = await readJson<Challenge>(login);
      const verify = await post('/auth/mfa/verify', { mfaToken, code: authenticatorCode(secret) });
      if (verify.status === 200) {
        const tokens = await readJson<TokenPair>(verify);
        if ((await server.request('/auth/me', { headers: bearer(tokens.accessToken) })).status === 200)
          survivors.push(delay);
      } else {
        expect(await codeOf(verify)).toBe('MFA_CHALLENGE_INVALID');
      }
    }
    // The sweep crossed the reset: some logins passed with the old password, some came after it.
    expect([...outcomes].sort()).toEqual(['after the reset', 'on the old password']);
    expect(survivors).toEqual([]);
  });

  it('shows admins which accounts sign in with two steps, and lets them turn it off with re-authentication', async () => {
    const { credentials } = await accountWithTwoStep();
    const admin = await registerAdmin(server);
    const adminLogin = await readJson<TokenPair>(
      await post('/auth/login', { email: admin.credentials.email, password: admin.credentials.password }),
    );
    const list = async (email: string) => {
      const response = await server.request(`/admin/users?query=${encodeURIComponent(email)}`, {
        headers: bearer(adminLogin.accessToken),
      });
      expect(response.status).toBe(200);
      return (await readJson<{ items: { mfaEnabled: boolean }[] }>(response)).items;
    };
    expect(await list(credentials.email)).toEqual([expect.objectContaining({ mfaEnabled: true })]);
    expect(await list(admin.credentials.email)).toEqual([expect.objectContaining({ mfaEnabled: false })]);

    // An owner who lost the app and the codes: an admin turns it off, confirming with their password.
    const userId = (
      await server.database.db
        .selectFrom('users')
        .select('id')
        .where('email', '=', credentials.email)
        .executeTakeFirstOrThrow()
    ).id;
    const patch = (json: unknown) =>
      server.request(`/admin/users/${userId}`, {
        method: 'PATCH',
        json,
        headers: bearer(adminLogin.accessToken),
      });
    expect(await codeOf(await patch({ twoStepSignIn: 'off' }))).toBe('REAUTHENTICATION_REQUIRED');
    const reset = await patch({ twoStepSignIn: 'off', password: admin.credentials.password });
    expect(reset.status).toBe(200);
    expect(await readJson<{ mfaEnabled: boolean }>(reset)).toMatchObject({ mfaEnabled: false });
    expect((await latestMail(server, credentials.email)).subject).toBe(
      'Two-step sign-in was turned off by an administrator',
    );
    const login = await post('/auth/login', { email: credentials.email, password: credentials.password });
    expect(login.status).toBe(200);
    expect(await list(credentials.email)).toEqual([expect.objectContaining({ mfaEnabled: false })]);
  });

  it('validates the second step: exactly one of code and recoveryCode, in their shapes', async () => {
    const mfaToken = 'x'.repeat(43);
    for (const body of [
      { mfaToken },
      { mfaToken, code: '123456', recoveryCode: 'abcde-fghij' },
      { mfaToken, code: '12345' },
      { mfaToken, recoveryCode: 'abcde-fghi9' },
      { code: '123456' },
    ]) {
      const response = await post('/auth/mfa/verify', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(await codeOf(response)).toBe('VALIDATION_FAILED');
    }
  });
});
