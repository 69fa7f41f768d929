import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  codeFromMail,
  type ErrorBody,
  latestMail,
  newCredentials,
  RELAXED_LIMITS,
  readJson,
  registerUser,
  STRONG_PASSWORD,
  type TokenPair,
  tokenFromMail,
} from '../support/auth-helpers.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

describe('auth flows over HTTP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ ...RELAXED_LIMITS, BODY_LIMIT_BYTES: '4096' });
  });
  afterAll(async () => {
    await server?.close();
  });

  /** How the session `accessToken` belongs to was signed in, as GET /auth/sessions reports it. */
  async function currentSignInMethod(accessToken: string): Promise<string | null | undefined> {
    const sessions = await readJson<{ current: boolean; signInMethod: string | null }[]>(
      await server.request('/auth/sessions', { headers: bearer(accessToken) }),
    );
    return sessions.find((session) => session.current)?.signInMethod;
  }

  describe('register', () => {
    it('creates the account and signs in (201), normalising the email', async () => {
      const credentials = newCredentials();
      const response = await server.request('/auth/register', {
        method: 'POST',
        json: { ...credentials, email: `  ${credentials.email.toUpperCase()} ` },
      });
      expect(response.status).toBe(201);
      const body = await readJson<TokenPair>(response);
      expect(body.user).toEqual({
        id: expect.any(String),
        email: credentials.email,
        username: credentials.username,
        role: 'user',
        emailVerified: false,
        mfaEnabled: false,
        createdAt: expect.any(String),
      });
      expect(body.tokenType).toBe('Bearer');
      expect(body.expiresIn).toBe(900);
      expect(body.accessToken.split('.')).toHaveLength(3);
      expect(Buffer.from(body.refreshToken, 'base64url').length).toBeGreaterThanOrEqual(32);
    });

    it('refuses a taken email (409 EMAIL_TAKEN) and a taken username (409 USERNAME_TAKEN)', async () => {
      const { credentials } = await registerUser(server);
      const sameEmail = await server.request('/auth/register', {
        method: 'POST',
        json: { ...newCredentials(), email: credentials.email },
      });
      expect(sameEmail.status).toBe(409);
      expect((await readJson<ErrorBody>(sameEmail)).code).toBe('EMAIL_TAKEN');
      const sameUsername = await server.request('/auth/register', {
        method: 'POST',
        json: { ...newCredentials(), username: credentials.username },
      });
      expect(sameUsername.status).toBe(409);
      expect((await readJson<ErrorBody>(sameUsername)).code).toBe('USERNAME_TAKEN');
    });

    it('refuses a common password (400 PASSWORD_TOO_COMMON)', async () => {
      const response = await server.request('/auth/register', {
        method: 'POST',
        json: { ...newCredentials(), password: 'password123' },
      });
      expect(response.status).toBe(400);
      expect((await readJson<ErrorBody>(response)).code).toBe('PASSWORD_TOO_COMMON');
    });

    it('validates fields with VALIDATION_FAILED naming the field', async () => {
      const response = await server.request('/auth/register', {
        method: 'POST',
        json: { email: 'not-an-email', username: 'A!', password: 'short' },
      });
      expect(response.status).toBe(400);
      const body = await readJson<ErrorBody>(response);
      expect(body.code).toBe('VALIDATION_FAILED');
      const paths = ((body.details?.issues ?? []) as { path: string }[]).map((issue) => issue.path);
      expect(paths).toEqual(expect.arrayContaining(['body.email', 'body.username', 'body.password']));
    });

    it('answers invalid JSON with 400 INVALID_JSON, oversized bodies with 413 PAYLOAD_TOO_LARGE and other types with 415', async () => {
      const invalid = await server.request('/auth/register', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"email": ',
      });
      expect(invalid.status).toBe(400);
      expect((await readJson<ErrorBody>(invalid)).code).toBe('INVALID_JSON');
      const huge = await server.request('/auth/register', {
        method: 'POST',
        json: { ...newCredentials(), padding: 'x'.repeat(10_000) },
      });
      expect(huge.status).toBe(413);
      expect((await readJson<ErrorBody>(huge)).code).toBe('PAYLOAD_TOO_LARGE');
      const wrongType = await server.request('/auth/register', {
        method: 'POST',
        headers: { 'content-type': 'text/xml' },
        body: '<a/>',
      });
      expect(wrongType.status).toBe(415);
      expect((await readJson<ErrorBody>(wrongType)).code).toBe('UNSUPPORTED_MEDIA_TYPE');
      // What an HTML form or a fetch without a CORS preflight can send is refused the same way,
      // before validation reads it.
      const nonJson: [type: string, body: string][] = [
        [
          'application/x-www-form-urlencoded',
          'email=a%40example.com&username=formuser&password=long-enough-1',
        ],
        [
          'text/plain',
          JSON.stringify({ email: 'b@example.com', username: 'textuser', password: 'long-enough-1' }),
        ],
        [
          'multipart/form-data; boundary=x',
          '--x\r\nContent-Disposition: form-data; name="email"\r\n\r\nc@example.com\r\n--x--',
        ],
      ];
      for (const [type, body] of nonJson) {
        const refused = await server.request('/auth/register', {
          method: 'POST',
          headers: { 'content-type': type },
          body,
        });
        expect(refused.status, type).toBe(415);
        expect((await readJson<ErrorBody>(refused)).code, type).toBe('UNSUPPORTED_MEDIA_TYPE');
      }
      const json = await server.request('/auth/register', {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(newCredentials()),
      });
      expect(json.status).toBe(201);
    });
  });

  describe('login', () => {
    it('signs in by email or username', async () => {
      const { credentials } = await registerUser(server);
      const byEmail = await server.request('/auth/login', {
        method: 'POST',
        json: { email: credentials.email, password: credentials.password },
      });
      expect(byEmail.status).toBe(200);
      const byUsername = await server.request('/auth/login', {
        method: 'POST',
        json: { username: credentials.username, password: credentials.password },
      });
      expect(byUsername.status).toBe(200);
      expect((await readJson<TokenPair>(byUsername)).user.email).toBe(credentials.email);
    });

    it('answers unknown user and wrong password with the same 401 INVALID_CREDENTIALS', async () => {
      const { credentials } = await registerUser(server);
      const wrong = await server.request('/auth/login', {
        method: 'POST',
        json: { email: credentials.email, password: 'not the password at all' },
      });
      const unknown = await server.request('/auth/login', {
        method: 'POST',
        json: { email: 'nobody.here@example.com', password: 'not the password at all' },
      });
      const [a, b] = [await readJson<ErrorBody>(wrong), await readJson<ErrorBody>(unknown)];
      expect([wrong.status, unknown.status]).toEqual([401, 401]);
      expect(a.code).toBe('INVALID_CREDENTIALS');
      expect({ ...a, requestId: '' }).toEqual({ ...b, requestId: '' });
    });

    it('needs exactly one of email and username', async () => {
      const response = await server.request('/auth/login', { method: 'POST', json: { password: 'x' } });
      expect(response.status).toBe(400);
      expect((await readJson<ErrorBody>(response)).code).toBe('VALIDATION_FAILED');
    });
  });

  describe('me, sessions and logout', () => {
    it('returns the account for a Bearer token and 401 UNAUTHENTICATED without one', async () => {
      const { tokens } = await registerUser(server);
      const me = await server.request('/auth/me', { headers: bearer(tokens.accessToken) });
      expect(me.status).toBe(200);
      expect(await readJson(me)).toEqual(tokens.user);
      const anonymous = await server.request('/auth/me');
      expect(anonymous.status).toBe(401);
      expect((await readJson<ErrorBody>(anonymous)).code).toBe('UNAUTHENTICATED');
    });

    it('lists sessions with the current one flagged, revokes one, and rejects its token afterwards', async () => {
      const { credentials, tokens: first } = await registerUser(server);
      const second = await readJson<TokenPair>(
        await server.request('/auth/login', {
          method: 'POST',
          headers: { 'user-agent': 'second-device' },
          json: { email: credentials.email, password: credentials.password },
        }),
      );
      const list = await readJson<
        { id: string; current: boolean; userAgent: string | null; ip: string; signInMethod: string | null }[]
      >(await server.request('/auth/sessions', { headers: bearer(first.accessToken) }));
      expect(list).toHaveLength(2);
      expect(list.filter((s) => s.current)).toHaveLength(1);
      const other = list.find((s) => !s.current);
      expect(other?.userAgent).toBe('second-device');
      expect(other?.ip).toBe('127.0.0.1');
      // How each was signed in: this one by registering, the other with the password.
      expect(list.find((s) => s.current)?.signInMethod).toBe('registration');
      expect(other?.signInMethod).toBe('password');
      // Used first, so its status is in this instance's cache: the revocation must take effect at
      // once all the same (found in a test audit, 2026-12-07: without this the 401 came from the
      // database whether or not the cache entry was dropped).
      expect((await server.request('/auth/me', { headers: bearer(second.accessToken) })).status).toBe(200);

      const revoke = await server.request(`/auth/sessions/${other?.id}`, {
        method: 'DELETE',
        headers: bearer(first.accessToken),
      });
      expect(revoke.status).toBe(204);
      const revoked = await server.request('/auth/me', { headers: bearer(second.accessToken) });
      expect(revoked.status).toBe(401);
      expect((await readJson<ErrorBody>(revoked)).code).toBe('SESSION_REVOKED');
      const again = await server.request(`/auth/sessions/${other?.id}`, {
        method: 'DELETE',
        headers: bearer(first.accessToken),
      });
      expect(again.status).toBe(404);
      expect((await readJson<ErrorBody>(again)).code).toBe('SESSION_NOT_FOUND');
    });

    it('logout ends the current session; logout-all ends every session', async () => {
      const { credentials, tokens } = await registerUser(server);
      const logout = await server.request('/auth/logout', {
        method: 'POST',
        headers: bearer(tokens.accessToken),
      });
      expect(logout.status).toBe(204);
      expect((await server.request('/auth/me', { headers: bearer(tokens.accessToken) })).status).toBe(401);
      const refreshAfterLogout = await server.request('/auth/refresh', {
        method: 'POST',
        json: { refreshToken: tokens.refreshToken },
      });
      expect((await readJson<ErrorBody>(refreshAfterLogout)).code).toBe('INVALID_REFRESH_TOKEN');

      const login = () =>
        server
          .request('/auth/login', {
            method: 'POST',
            json: { email: credentials.email, password: credentials.password },
          })
          .then((r) => readJson<TokenPair>(r));
      const [a, b] = [await login(), await login()];
      expect(
        (await server.request('/auth/logout-all', { method: 'POST', headers: bearer(a.accessToken) })).status,
      ).toBe(204);
      expect((await server.request('/auth/me', { headers: bearer(a.accessToken) })).status).toBe(401);
      expect((await server.request('/auth/me', { headers: bearer(b.accessToken) })).status).toBe(401);
    });
  });

  describe('refresh', () => {
    it('rotates: the new pair works, the old access token still verifies until it expires', async () => {
      const { tokens } = await registerUser(server);
      const response = await server.request('/auth/refresh', {
        method: 'POST',
        json: { refreshToken: tokens.refreshToken },
      });
      expect(response.status).toBe(200);
      const next = await readJson<TokenPair>(response);
      expect(next.refreshToken).not.toBe(tokens.refreshToken);
      expect((await server.request('/auth/me', { headers: bearer(next.accessToken) })).status).toBe(200);
    });

    it('rejects an unknown refresh token with 401 INVALID_REFRESH_TOKEN', async () => {
      const response = await server.request('/auth/refresh', {
        method: 'POST',
        json: { refreshToken: 'A'.repeat(43) },
      });
      expect(response.status).toBe(401);
      expect((await readJson<ErrorBody>(response)).code).toBe('INVALID_REFRESH_TOKEN');
    });
  });

  describe('passwords', () => {
    it('forgot-password answers 202 for known and unknown addresses alike', async () => {
      const { credentials } = await registerUser(server);
      const known = await server.request('/auth/password/forgot', {
        method: 'POST',
        json: { email: credentials.email },
      });
      const unknown = await server.request('/auth/password/forgot', {
        method: 'POST',
        json: { email: 'ghost.user@example.com' },
      });
      expect([known.status, unknown.status]).toEqual([202, 202]);
      expect(await known.text()).toBe(await unknown.text());
    });

    it('reset with the emailed token sets the password once, revokes every session and unlocks', async () => {
      const { credentials, tokens } = await registerUser(server);
      await server.request('/auth/password/forgot', { method: 'POST', json: { email: credentials.email } });
      const token = tokenFromMail((await latestMail(server, credentials.email)).textBody);
      const newPassword = 'a brand new secret phrase 7';
      const reset = await server.request('/auth/password/reset', {
        method: 'POST',
        json: { token, password: newPassword },
      });
      expect(reset.status).toBe(204);
      expect((await server.request('/auth/me', { headers: bearer(tokens.accessToken) })).status).toBe(401);
      const reused = await server.request('/auth/password/reset', {
        method: 'POST',
        json: { token, password: newPassword },
      });
      expect(reused.status).toBe(400);
      expect((await readJson<ErrorBody>(reused)).code).toBe('INVALID_OR_EXPIRED_TOKEN');
      const oldLogin = await server.request('/auth/login', {
        method: 'POST',
        json: { email: credentials.email, password: credentials.password },
      });
      expect(oldLogin.status).toBe(401);
      const newLogin = await server.request('/auth/login', {
        method: 'POST',
        json: { email: credentials.email, password: newPassword },
      });
      expect(newLogin.status).toBe(200);
      expect((await readJson<TokenPair>(newLogin)).user.emailVerified).toBe(true);
    });

    it('change needs the current password and signs out the other sessions only', async () => {
      const { credentials, tokens } = await registerUser(server);
      const other = await readJson<TokenPair>(
        await server.request('/auth/login', {
          method: 'POST',
          json: { email: credentials.email, password: STRONG_PASSWORD },
        }),
      );
      const wrong = await server.request('/auth/password/change', {
        method: 'POST',
        headers: bearer(tokens.accessToken),
        json: { currentPassword: 'wrong password!', newPassword: 'another fine phrase 99' },
      });
      expect((await readJson<ErrorBody>(wrong)).code).toBe('CURRENT_PASSWORD_INCORRECT');
      // In use (its status cached) before the change, which must end it at once all the same.
      expect((await server.request('/auth/me', { headers: bearer(other.accessToken) })).status).toBe(200);
      const change = await server.request('/auth/password/change', {
        method: 'POST',
        headers: bearer(tokens.accessToken),
        json: { currentPassword: STRONG_PASSWORD, newPassword: 'another fine phrase 99' },
      });
      expect(change.status).toBe(204);
      expect((await server.request('/auth/me', { headers: bearer(tokens.accessToken) })).status).toBe(200);
      expect((await server.request('/auth/me', { headers: bearer(other.accessToken) })).status).toBe(401);
      expect((await latestMail(server, credentials.email)).subject).toBe('Your password was changed');
    });
  });

  describe('email verification', () => {
    it('request always answers 202; confirming the link verifies and signs in; the link is single-use', async () => {
      const { credentials } = await registerUser(server);
      const request = await server.request('/auth/email/verify/request', {
        method: 'POST',
        json: { email: credentials.email },
      });
      expect(request.status).toBe(202);
      const unknown = await server.request('/auth/email/verify/request', {
        method: 'POST',
        json: { email: 'nobody@example.com' },
      });
      expect(unknown.status).toBe(202);
      const token = tokenFromMail((await latestMail(server, credentials.email)).textBody);
      const confirm = await server.request('/auth/email/verify/confirm', { method: 'POST', json: { token } });
      expect(confirm.status).toBe(200);
      const confirmed = await readJson<TokenPair>(confirm);
      expect(confirmed.user.emailVerified).toBe(true);
      expect(await currentSignInMethod(confirmed.accessToken)).toBe('email_link');
      const again = await server.request('/auth/email/verify/confirm', { method: 'POST', json: { token } });
      expect((await readJson<ErrorBody>(again)).code).toBe('INVALID_OR_EXPIRED_TOKEN');
    });
  });

  describe('email codes', () => {
    it('signs an existing user in with the 6-digit code; a wrong code is 401 INVALID_CODE', async () => {
      const { credentials } = await registerUser(server);
      const start = await server.request('/auth/email-code/start', {
        method: 'POST',
        json: { email: credentials.email },
      });
      expect(start.status).toBe(202);
      const code = codeFromMail((await latestMail(server, credentials.email)).textBody);
      const wrongCode = code === '000000' ? '111111' : '000000';
      const wrong = await server.request('/auth/email-code/verify', {
        method: 'POST',
        json: { email: credentials.email, code: wrongCode },
      });
      expect(wrong.status).toBe(401);
      expect((await readJson<ErrorBody>(wrong)).code).toBe('INVALID_CODE');
      const ok = await server.request('/auth/email-code/verify', {
        method: 'POST',
        json: { email: credentials.email, code },
      });
      expect(ok.status).toBe(200);
      const signedIn = await readJson<TokenPair>(ok);
      expect(signedIn.user.email).toBe(credentials.email);
      expect(await currentSignInMethod(signedIn.accessToken)).toBe('email_code');
      const reused = await server.request('/auth/email-code/verify', {
        method: 'POST',
        json: { email: credentials.email, code },
      });
      expect(reused.status).toBe(401);
    });

    it('kills the code after 5 wrong attempts, even for the right code afterwards', async () => {
      const { credentials } = await registerUser(server);
      await server.request('/auth/email-code/start', { method: 'POST', json: { email: credentials.email } });
      const code = codeFromMail((await latestMail(server, credentials.email)).textBody);
      const wrongCode = code === '000000' ? '111111' : '000000';
      for (let i = 0; i < 5; i++) {
        await server.request('/auth/email-code/verify', {
          method: 'POST',
          json: { email: credentials.email, code: wrongCode },
        });
      }
      const right = await server.request('/auth/email-code/verify', {
        method: 'POST',
        json: { email: credentials.email, code },
      });
      expect(right.status).toBe(401);
    });

    it('answers 202 for unknown addresses and sends nothing when sign-up by code is off', async () => {
      const email = 'stranger.code@example.com';
      const start = await server.request('/auth/email-code/start', { method: 'POST', json: { email } });
      expect(start.status).toBe(202);
      await expect(latestMail(server, email)).rejects.toThrow(/no mail/);
    });
  });

  describe('changing the sign-in address', () => {
    it('moves the account once the link mailed to the new address is opened, telling the old one', async () => {
      const { credentials, tokens } = await registerUser(server);
      const newEmail = `moved.${Date.now()}@example.com`;
      const change = await server.request('/auth/email/change', {
        method: 'POST',
        headers: bearer(tokens.accessToken),
        json: { email: newEmail.toUpperCase(), password: credentials.password },
      });
      expect(change.status).toBe(202);
      expect((await latestMail(server, credentials.email)).subject).toBe(
        'A change of your email address was requested',
      );
      // A reset link sent to the old address before the change must not work after it.
      await server.request('/auth/password/forgot', { method: 'POST', json: { email: credentials.email } });
      const staleReset = tokenFromMail((await latestMail(server, credentials.email)).textBody);
      const me = () =>
        server
          .request('/users/me', { headers: bearer(tokens.accessToken) })
          .then(readJson<{ email: string }>);
      expect((await me()).email).toBe(credentials.email);

      const token = tokenFromMail((await latestMail(server, newEmail)).textBody);
      const confirm = (value: string) =>
        server.request('/auth/email/change/confirm', { method: 'POST', json: { token: value } });
      expect((await confirm(token)).status).toBe(204);
      expect((await me()).email).toBe(newEmail);
      expect((await latestMail(server, credentials.email)).subject).toBe('Your email address was changed');
      expect((await readJson<ErrorBody>(await confirm(token))).code).toBe('INVALID_OR_EXPIRED_TOKEN');

      const signIn = (email: string) =>
        server.request('/auth/login', { method: 'POST', json: { email, password: credentials.password } });
      expect((await signIn(newEmail)).status).toBe(200);
      expect((await readJson<ErrorBody>(await signIn(credentials.email))).code).toBe('INVALID_CREDENTIALS');
      const reset = await server.request('/auth/password/reset', {
        method: 'POST',
        json: { token: staleReset, password: 'a brand new passphrase 7' },
      });
      expect((await readJson<ErrorBody>(reset)).code).toBe('INVALID_OR_EXPIRED_TOKEN');
    });

    it('keeps one pending change per account: a newer request replaces it, another account’s leaves it', async () => {
      const freshAddress = () =>
        `moving.${Date.now()}.${Math.random().toString(36).slice(2)}@example.com`.toLowerCase();
      const requestChange = async (
        account: { tokens: TokenPair; credentials: { password: string } },
        to: string,
      ) => {
        const change = await server.request('/auth/email/change', {
          method: 'POST',
          headers: bearer(account.tokens.accessToken),
          json: { email: to, password: account.credentials.password },
        });
        expect(change.status).toBe(202);
        return (await latestMail(server, to)).textBody;
      };
      const confirm = (mail: string) =>
        server.request('/auth/email/change/confirm', {
          method: 'POST',
          json: { token: tokenFromMail(mail) },
        });

      const mine = await registerUser(server);
      const someoneElse = await registerUser(server);
      const wanted = freshAddress();
      const myLink = await requestChange(mine, wanted);
      // Another account asking for the same address does not void this account's link, and the
      // mail says which account each link is for.
      const theirLink = await requestChange(someoneElse, wanted);
      expect(myLink).toContain(`@${mine.tokens.user.username}`);
      expect(theirLink).toContain(`@${someoneElse.tokens.user.username}`);
      expect((await confirm(myLink)).status).toBe(204);
      expect((await readJson<ErrorBody>(await confirm(theirLink))).code).toBe('EMAIL_TAKEN');

      // A newer request of the same account replaces its pending one, whatever address that named.
      const first = await requestChange(someoneElse, freshAddress());
      const second = await requestChange(someoneElse, freshAddress());
      expect((await readJson<ErrorBody>(await confirm(first))).code).toBe('INVALID_OR_EXPIRED_TOKEN');
      expect((await confirm(second)).status).toBe(204);
    });

    it('drops a pending change once the password is reset or changed, or every session signed out', async () => {
      // Whoever had the password asked for the change; the mail to the old address says to reset it.
      const requestChange = async (accessToken: string, password: string) => {
        const newEmail = `taken.over.${Date.now()}.${Math.random().toString(36).slice(2)}@example.com`;
        const change = await server.request('/auth/email/change', {
          method: 'POST',
          headers: bearer(accessToken),
          json: { email: newEmail, password },
        });
        expect(change.status).toBe(202);
        return tokenFromMail((await latestMail(server, newEmail)).textBody);
      };
      const confirm = (token: string) =>
        server.request('/auth/email/change/confirm', { method: 'POST', json: { token } });

      const { credentials, tokens } = await registerUser(server);
      const afterReset = await requestChange(tokens.accessToken, credentials.password);
      await server.request('/auth/password/forgot', { method: 'POST', json: { email: credentials.email } });
      const resetToken = tokenFromMail((await latestMail(server, credentials.email)).textBody);
      const newPassword = 'the owner took it back 12';
      const reset = await server.request('/auth/password/reset', {
        method: 'POST',
        json: { token: resetToken, password: newPassword },
      });
      expect(reset.status).toBe(204);
      expect((await readJson<ErrorBody>(await confirm(afterReset))).code).toBe('INVALID_OR_EXPIRED_TOKEN');

      const signedIn = await readJson<TokenPair>(
        await server.request('/auth/login', {
          method: 'POST',
          json: { email: credentials.email, password: newPassword },
        }),
      );
      const afterChange = await requestChange(signedIn.accessToken, newPassword);
      const change = await server.request('/auth/password/change', {
        method: 'POST',
        headers: bearer(signedIn.accessToken),
        json: { currentPassword: newPassword, newPassword: 'and changed it once more 3' },
      });
      expect(change.status).toBe(204);
      expect((await readJson<ErrorBody>(await confirm(afterChange))).code).toBe('INVALID_OR_EXPIRED_TOKEN');

      const afterSignOut = await requestChange(signedIn.accessToken, 'and changed it once more 3');
      const everywhere = await server.request('/auth/logout-all', {
        method: 'POST',
        headers: bearer(signedIn.accessToken),
      });
      expect(everywhere.status).toBe(204);
      expect((await readJson<ErrorBody>(await confirm(afterSignOut))).code).toBe('INVALID_OR_EXPIRED_TOKEN');
      const me = await readJson<TokenPair>(
        await server.request('/auth/login', {
          method: 'POST',
          json: { email: credentials.email, password: 'and changed it once more 3' },
        }),
      );
      expect(me.user.email).toBe(credentials.email);
    });

    it('drops an earlier reset link once the password is changed or every session signed out', async () => {
      // The owner took the account back; a reset link mailed before (leaked, forwarded) must not
      // reset the password they just chose, or sign them out, for the rest of its hour.
      const { credentials, tokens } = await registerUser(server);
      const resetLink = async () => {
        await server.request('/auth/password/forgot', { method: 'POST', json: { email: credentials.email } });
        return tokenFromMail((await latestMail(server, credentials.email)).textBody);
      };
      const reset = (token: string) =>
        server.request('/auth/password/reset', {
          method: 'POST',
          json: { token, password: 'whoever holds the link 7' },
        });

      const beforeChange = await resetLink();
      const change = await server.request('/auth/password/change', {
        method: 'POST',
        headers: bearer(tokens.accessToken),
        json: { currentPassword: credentials.password, newPassword: 'the owner took it back 21' },
      });
      expect(change.status).toBe(204);
      expect((await readJson<ErrorBody>(await reset(beforeChange))).code).toBe('INVALID_OR_EXPIRED_TOKEN');

      const beforeSignOut = await resetLink();
      const everywhere = await server.request('/auth/logout-all', {
        method: 'POST',
        headers: bearer(tokens.accessToken),
      });
      expect(everywhere.status).toBe(204);
      expect((await readJson<ErrorBody>(await reset(beforeSignOut))).code).toBe('INVALID_OR_EXPIRED_TOKEN');
      const login = await server.request('/auth/login', {
        method: 'POST',
        json: { email: credentials.email, password: 'the owner took it back 21' },
      });
      expect(login.status).toBe(200);
    });

    it('answers a taken address with the same 202 and mails it nothing; needs the password', async () => {
      const { credentials, tokens } = await registerUser(server);
      const other = await registerUser(server);
      const change = (json: Record<string, string>) =>
        server.request('/auth/email/change', { method: 'POST', headers: bearer(tokens.accessToken), json });
      expect((await change({ email: other.credentials.email, password: credentials.password })).status).toBe(
        202,
      );
      await expect(latestMail(server, other.credentials.email)).rejects.toThrow(/no mail/);
      expect((await readJson<ErrorBody>(await change({ email: 'free.address@example.com' }))).code).toBe(
        'REAUTHENTICATION_REQUIRED',
      );
      const same = await change({ email: credentials.email, password: credentials.password });
      expect(await readJson<ErrorBody>(same)).toMatchObject({
        code: 'VALIDATION_FAILED',
        message: 'body.email: is already your address',
      });
    });
  });

  describe('API keys', () => {
    it('creates a key shown once with the cn_live_ prefix, lists it without the key, and revokes it', async () => {
      const { credentials, tokens } = await registerUser(server);
      const create = await server.request('/auth/api-keys', {
        method: 'POST',
        headers: bearer(tokens.accessToken),
        json: { name: 'ci', scopes: ['users:read'], password: credentials.password },
      });
      expect(create.status).toBe(201);
      const created = await readJson<{ id: string; key: string; prefix: string; scopes: string[] }>(create);
      expect(created.key).toMatch(/^cn_live_[A-Za-z0-9_-]{43}$/);
      expect(created.key.startsWith(created.prefix)).toBe(true);
      const list = await readJson<Record<string, unknown>[]>(
        await server.request('/auth/api-keys', { headers: bearer(tokens.accessToken) }),
      );
      expect(list).toHaveLength(1);
      expect(list[0]).not.toHaveProperty('key');
      expect(list[0]?.scopes).toEqual(['users:read']);
      const stored = await server.database.db
        .selectFrom('apiKeys')
        .select('keyHash')
        .executeTakeFirstOrThrow();
      expect(stored.keyHash).not.toContain(created.key);
      const revoke = await server.request(`/auth/api-keys/${created.id}`, {
        method: 'DELETE',
        headers: bearer(tokens.accessToken),
      });
      expect(revoke.status).toBe(204);
      const missing = await server.request(`/auth/api-keys/${created.id}`, {
        method: 'DELETE',
        headers: bearer(tokens.accessToken),
      });
      expect((await readJson<ErrorBody>(missing)).code).toBe('API_KEY_NOT_FOUND');
    });

    // Found in a test audit (2026-12-07): no test called a route a key's scopes do not cover.
    it('lets a key call only the routes its scopes name (403 INSUFFICIENT_SCOPE for the rest)', async () => {
      const { credentials, tokens } = await registerUser(server);
      const mint = async (scopes: string[]) =>
        (
          await readJson<{ key: string }>(
            await server.request('/auth/api-keys', {
              method: 'POST',
              headers: bearer(tokens.accessToken),
              json: { name: scopes.join(' '), scopes, password: credentials.password },
            }),
          )
        ).key;
      const withKey = (key: string, path: string, init: { method?: string; json?: unknown } = {}) =>
        server.request(path, { ...init, headers: { 'x-api-key': key } });
      const upload = { json: { purpose: 'avatar', contentType: 'image/png', size: 68 }, method: 'POST' };
      const refused = async (response: Response) => {
        expect(response.status).toBe(403);
        expect((await readJson<ErrorBody>(response)).code).toBe('INSUFFICIENT_SCOPE');
      };

      const profileReader = await mint(['users:read']);
      expect((await withKey(profileReader, `/users/${tokens.user.id}`)).status).toBe(200);
      await refused(await withKey(profileReader, '/files/uploads', upload));

      const fileReader = await mint(['files:read']);
      await refused(await withKey(fileReader, '/files/uploads', upload));
      await refused(await withKey(fileReader, `/files/${randomUUID()}`, { method: 'DELETE' }));
      await refused(await withKey(fileReader, `/users/${tokens.user.id}`));

      const fileWriter = await mint(['files:write']);
      expect((await withKey(fileWriter, '/files/uploads', upload)).status).toBe(201);
    });

    it('grants only scopes a route checks: a misspelt one is refused with 400 naming the known ones', async () => {
      const { credentials, tokens } = await registerUser(server);
      const { password } = credentials;
      const create = await server.request('/auth/api-keys', {
        method: 'POST',
        headers: bearer(tokens.accessToken),
        json: { name: 'all', scopes: ['files:write', 'users:read', 'files:read', 'files:write'], password },
      });
      expect(create.status).toBe(201);
      expect((await readJson<{ scopes: string[] }>(create)).scopes).toEqual([
        'files:write',
        'users:read',
        'files:read',
      ]);
      const misspelt = await server.request('/auth/api-keys', {
        method: 'POST',
        headers: bearer(tokens.accessToken),
        json: { name: 'typo', scopes: ['files:read', 'file:write'], password },
      });
      expect(misspelt.status).toBe(400);
      const body = await readJson<ErrorBody>(misspelt);
      expect(body.code).toBe('VALIDATION_FAILED');
      expect(body.message).toBe('body.scopes.1: must be one of users:read, files:read, files:write');
      const keys = await readJson<unknown[]>(
        await server.request('/auth/api-keys', { headers: bearer(tokens.accessToken) }),
      );
      expect(keys).toHaveLength(1);
    });

    // A key outlives every session, so a stolen 15-minute access token must not be enough to mint one.
    it('mints a key only after re-authentication with the password', async () => {
      const { credentials, tokens } = await registerUser(server);
      const mint = (proof: Record<string, string>) =>
        server.request('/auth/api-keys', {
          method: 'POST',
          headers: bearer(tokens.accessToken),
          json: { name: 'persistence', scopes: ['files:read'], ...proof },
        });
      const bare = await mint({});
      expect(bare.status).toBe(403);
      expect((await readJson<ErrorBody>(bare)).code).toBe('REAUTHENTICATION_REQUIRED');
      const wrong = await mint({ password: 'not the password at all' });
      expect(wrong.status).toBe(400);
      expect((await readJson<ErrorBody>(wrong)).code).toBe('CURRENT_PASSWORD_INCORRECT');
      const keys = () =>
        server.request('/auth/api-keys', { headers: bearer(tokens.accessToken) }).then(readJson<unknown[]>);
      expect(await keys()).toHaveLength(0);
      expect((await mint({ password: credentials.password })).status).toBe(201);
      expect(await keys()).toHaveLength(1);
      // The owner is told, with where to revoke it.
      const notice = await latestMail(server, credentials.email);
      expect(notice.subject).toBe('A new API key was created');
      expect(notice.textBody).toContain('"persistence" (scopes: files:read)');
    });

    it('refuses to manage keys or the account with an API key instead of a signed-in user (403 BEARER_REQUIRED)', async () => {
      const { credentials, tokens } = await registerUser(server);
      const created = await readJson<{ key: string }>(
        await server.request('/auth/api-keys', {
          method: 'POST',
          headers: bearer(tokens.accessToken),
          json: { name: 'x', password: credentials.password },
        }),
      );
      const response = await server.request('/auth/api-keys', { headers: { 'x-api-key': created.key } });
      expect(response.status).toBe(403);
      expect((await readJson<ErrorBody>(response)).code).toBe('BEARER_REQUIRED');
      // The same for a made-up key (it is not looked up) and on the account's own routes.
      for (const [path, key] of [
        ['/auth/api-keys', 'cn_made_up_key'],
        ['/users/me', created.key],
      ] as const) {
        const refused = await server.request(path, { headers: { 'x-api-key': key } });
        expect(refused.status).toBe(403);
        expect((await readJson<ErrorBody>(refused)).code).toBe('BEARER_REQUIRED');
      }
      // Nothing presented at all is still 401 UNAUTHENTICATED.
      expect((await readJson<ErrorBody>(await server.request('/users/me'))).code).toBe('UNAUTHENTICATED');
    });
  });

  describe('JWKS', () => {
    it('serves the Ed25519 public key whose kid signs access tokens', async () => {
      const { tokens } = await registerUser(server);
      const jwks = await readJson<{ keys: { kty: string; crv: string; kid: string; d?: string }[] }>(
        await server.request('/.well-known/jwks.json'),
      );
      expect(jwks.keys).toHaveLength(1);
      expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' });
      expect(jwks.keys[0]).not.toHaveProperty('d');
      const header = JSON.parse(
        Buffer.from(tokens.accessToken.split('.')[0] as string, 'base64url').toString(),
      );
      expect(header).toMatchObject({ alg: 'EdDSA', kid: jwks.keys[0]?.kid });
    });
  });
});
