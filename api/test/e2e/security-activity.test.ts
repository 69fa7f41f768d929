import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  codeFromMail,
  type ErrorBody,
  RELAXED_LIMITS,
  readJson,
  registerAdmin,
  registerUser,
  STRONG_PASSWORD,
  type TokenPair,
} from '../support/auth-helpers.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

interface SecurityEvent {
  id: string;
  type: string;
  createdAt: string;
  ip: string | null;
  userAgent: string | null;
  detail: string | null;
  byAdmin: boolean;
}

interface ActivityPage {
  items: SecurityEvent[];
  nextCursor: string | null;
}

const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) ActivityTest/1.0';

describe('security activity (GET /auth/activity)', () => {
  let server: TestServer;

  beforeAll(async () => {
    // No grace for a used refresh token, so presenting one again is theft at once.
    server = await startTestServer({ ...RELAXED_LIMITS, AUTH_REFRESH_REUSE_GRACE_SECONDS: '0' });
  });
  afterAll(async () => {
    await server?.close();
  });

  const activity = async (token: string, query = ''): Promise<ActivityPage> => {
    const response = await server.request(`/auth/activity${query}`, { headers: bearer(token) });
    expect(response.status).toBe(200);
    return readJson<ActivityPage>(response);
  };
  const kinds = (page: ActivityPage) =>
    page.items.map((event) => (event.detail ? `${event.type}:${event.detail}` : event.type));

  async function login(email: string, password: string): Promise<Response> {
    return server.request('/auth/login', {
      method: 'POST',
      headers: { 'user-agent': BROWSER },
      json: { email, password },
    });
  }

  it('lists sign-ins, a failed attempt and each change to the account, newest first, with where they came from', async () => {
    const { credentials, tokens } = await registerUser(server);
    expect((await login(credentials.email, 'not the password at all')).status).toBe(401);
    const signedIn = await readJson<TokenPair>(await login(credentials.email, STRONG_PASSWORD));
    const auth = bearer(signedIn.accessToken);
    const newPassword = `${STRONG_PASSWORD} and more`;
    const changed = await server.request('/auth/password/change', {
      method: 'POST',
      headers: { ...auth, 'user-agent': BROWSER },
      json: { currentPassword: STRONG_PASSWORD, newPassword },
    });
    expect(changed.status).toBe(204);
    const created = await server.request('/auth/api-keys', {
      method: 'POST',
      headers: auth,
      json: { name: 'deploy bot', scopes: ['users:read'], password: newPassword },
    });
    expect(created.status).toBe(201);
    const { id: keyId } = await readJson<{ id: string }>(created);
    expect(
      (await server.request(`/auth/api-keys/${keyId}`, { method: 'DELETE', headers: auth })).status,
    ).toBe(204);
    expect((await server.request('/auth/logout-all', { method: 'POST', headers: auth })).status).toBe(204);
    const again = await readJson<TokenPair>(await login(credentials.email, newPassword));

    const page = await activity(again.accessToken);
    expect(kinds(page)).toEqual([
      'signed_in:password',
      'signed_out_everywhere',
      'api_key_revoked:deploy bot',
      'api_key_created:deploy bot',
      'password_changed',
      'signed_in:password',
      'sign_in_failed:password',
      'signed_in:registration',
    ]);
    expect(page.nextCursor).toBeNull();
    const [failed] = page.items.filter((event) => event.type === 'sign_in_failed');
    expect(failed).toMatchObject({ ip: '127.0.0.1', userAgent: BROWSER, byAdmin: false });
    expect(page.items.find((event) => event.type === 'password_changed')?.userAgent).toBe(BROWSER);
    const times = page.items.map((event) => Date.parse(event.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    // The registration's session is gone, but its record stays.
    expect((await server.request('/auth/activity', { headers: bearer(tokens.accessToken) })).status).toBe(
      401,
    );
  });

  it('pages with a cursor, and an account sees only its own activity', async () => {
    const { credentials, tokens } = await registerUser(server);
    for (let i = 0; i < 4; i++) expect((await login(credentials.email, STRONG_PASSWORD)).status).toBe(200);
    const other = await registerUser(server);

    const all = await activity(tokens.accessToken);
    expect(all.items).toHaveLength(5);
    const first = await activity(tokens.accessToken, '?limit=2');
    expect(first.items.map((event) => event.id)).toEqual(all.items.slice(0, 2).map((event) => event.id));
    const second = await activity(tokens.accessToken, `?limit=2&cursor=${first.nextCursor}`);
    const third = await activity(tokens.accessToken, `?limit=2&cursor=${second.nextCursor}`);
    expect(third.nextCursor).toBeNull();
    expect([...first.items, ...second.items, ...third.items].map((event) => event.id)).toEqual(
      all.items.map((event) => event.id),
    );
    expect(kinds(await activity(other.tokens.accessToken))).toEqual(['signed_in:registration']);
  });

  it('refuses a malformed cursor or limit (400 VALIDATION_FAILED) and callers without a session', async () => {
    const { tokens } = await registerUser(server);
    for (const query of ['?cursor=bm90LWEtY3Vyc29y', '?limit=0', '?limit=101', '?limit=ten']) {
      const response = await server.request(`/auth/activity${query}`, {
        headers: bearer(tokens.accessToken),
      });
      expect(response.status).toBe(400);
      expect((await readJson<ErrorBody>(response)).code).toBe('VALIDATION_FAILED');
    }
    expect((await server.request('/auth/activity')).status).toBe(401);
  });

  it("marks an administrator's changes as theirs, without the administrator's address", async () => {
    const admin = await registerAdmin(server);
    const { credentials, tokens } = await registerUser(server);
    const patch = (json: unknown) =>
      server.request(`/admin/users/${tokens.user.id}`, {
        method: 'PATCH',
        headers: bearer(admin.tokens.accessToken),
        json,
      });
    expect((await patch({ disabled: true })).status).toBe(200);
    expect((await patch({ disabled: false })).status).toBe(200);
    const signedIn = await readJson<TokenPair>(await login(credentials.email, STRONG_PASSWORD));
    const page = await activity(signedIn.accessToken);
    expect(kinds(page)).toEqual([
      'signed_in:password',
      'account_enabled',
      'account_disabled',
      'signed_in:registration',
    ]);
    for (const event of page.items.slice(1, 3))
      expect(event).toMatchObject({ byAdmin: true, ip: null, userAgent: null });
    // The administrator's own activity has none of it.
    expect(kinds(await activity(admin.tokens.accessToken))).toEqual(['signed_in:registration']);
  });

  it("lets an administrator read a user's activity (GET /admin/users/:id/activity), and only an administrator", async () => {
    const admin = await registerAdmin(server);
    const { credentials, tokens } = await registerUser(server);
    expect((await login(credentials.email, 'not the password at all')).status).toBe(401);
    const asAdmin = (path: string) => server.request(path, { headers: bearer(admin.tokens.accessToken) });

    const response = await asAdmin(`/admin/users/${tokens.user.id}/activity?limit=1`);
    expect(response.status).toBe(200);
    const first = await readJson<ActivityPage>(response);
    expect(kinds(first)).toEqual(['sign_in_failed:password']);
    const rest = await readJson<ActivityPage>(
      await asAdmin(`/admin/users/${tokens.user.id}/activity?cursor=${first.nextCursor}`),
    );
    expect([...first.items, ...rest.items]).toEqual((await activity(tokens.accessToken)).items);

    const unknown = await asAdmin('/admin/users/00000000-0000-4000-8000-000000000000/activity');
    expect(unknown.status).toBe(404);
    expect((await readJson<ErrorBody>(unknown)).code).toBe('USER_NOT_FOUND');
    const badCursor = await asAdmin(`/admin/users/${tokens.user.id}/activity?cursor=nope`);
    expect((await readJson<ErrorBody>(badCursor)).code).toBe('VALIDATION_FAILED');
    // A user cannot read another's (or their own this way).
    const asUser = await server.request(`/admin/users/${tokens.user.id}/activity`, {
      headers: bearer(tokens.accessToken),
    });
    expect(asUser.status).toBe(403);
    expect((await readJson<ErrorBody>(asUser)).code).toBe('FORBIDDEN');
  });

  it("records an account's deletion with where it came from, for an administrator until the account is erased", async () => {
    const admin = await registerAdmin(server);
    const { credentials, tokens } = await registerUser(server);
    const refused = await server.request('/users/me', {
      method: 'DELETE',
      headers: { ...bearer(tokens.accessToken), 'user-agent': BROWSER },
      json: { password: 'not the password at all' },
    });
    expect(refused.status).toBe(400);
    expect(kinds(await activity(tokens.accessToken))).not.toContain('account_deleted');
    const deleted = await server.request('/users/me', {
      method: 'DELETE',
      headers: { ...bearer(tokens.accessToken), 'user-agent': BROWSER },
      json: { password: credentials.password },
    });
    expect(deleted.status).toBe(204);
    const response = await server.request(`/admin/users/${tokens.user.id}/activity?limit=1`, {
      headers: bearer(admin.tokens.accessToken),
    });
    const [latest] = (await readJson<ActivityPage>(response)).items;
    expect(latest).toMatchObject({
      type: 'account_deleted',
      userAgent: BROWSER,
      byAdmin: false,
      detail: null,
    });
    expect(latest?.ip).toEqual(expect.any(String));
  });

  it('records a stolen refresh token presented again, in the transaction that ends the session', async () => {
    const { credentials } = await registerUser(server);
    const signedIn = await readJson<TokenPair>(await login(credentials.email, STRONG_PASSWORD));
    const refresh = () =>
      server.request('/auth/refresh', { method: 'POST', json: { refreshToken: signedIn.refreshToken } });
    expect((await refresh()).status).toBe(200);
    const reused = await refresh();
    expect((await readJson<ErrorBody>(reused)).code).toBe('REFRESH_TOKEN_REUSED');
    const later = await readJson<TokenPair>(await login(credentials.email, STRONG_PASSWORD));
    const page = await activity(later.accessToken);
    expect(kinds(page).slice(0, 2)).toEqual(['signed_in:password', 'refresh_token_reused']);
    expect(page.items[1]).toMatchObject({ ip: null, byAdmin: false });
  });

  it('mails the owner when the password signs in from a device the account has not used lately, not for a known one or an emailed code', async () => {
    const { credentials } = await registerUser(server);
    const chrome = (version: string) =>
      `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${version} Safari/537.36`;
    const signIn = (userAgent: string) =>
      server.request('/auth/login', {
        method: 'POST',
        headers: { 'user-agent': userAgent },
        json: { email: credentials.email, password: STRONG_PASSWORD },
      });
    const notices = async () =>
      server.database.db
        .selectFrom('outbox')
        .select('textBody')
        .where('toAddress', '=', credentials.email)
        .where('subject', '=', 'New sign-in to your account')
        .execute();

    // Registered from this test's client ("node"); Chrome on Linux is new.
    expect((await signIn(chrome('131.0.0.0'))).status).toBe(200);
    const [notice] = await notices();
    expect(notice?.textBody).toContain('Chrome on Linux, from the address 127.0.0.1');
    expect(notice?.textBody).toContain('/sessions');
    // The same device after a browser update, and the registering client again: nothing new.
    expect((await signIn(chrome('142.0.0.0'))).status).toBe(200);
    expect((await signIn('node')).status).toBe(200);
    expect(await notices()).toHaveLength(1);
    // A sign-in by emailed code proves the mailbox, which just got the code: no notice.
    expect(
      (
        await server.request('/auth/email-code/start', {
          method: 'POST',
          json: { email: credentials.email },
        })
      ).status,
    ).toBe(202);
    const codeMail = await server.database.db
      .selectFrom('outbox')
      .select('textBody')
      .where('toAddress', '=', credentials.email)
      .orderBy('createdAt', 'desc')
      .executeTakeFirstOrThrow();
    const code = codeFromMail(codeMail.textBody);
    const byCode = await server.request('/auth/email-code/verify', {
      method: 'POST',
      headers: { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; rv:133.0) Gecko/20100101 Firefox/133.0' },
      json: { email: credentials.email, code },
    });
    expect(byCode.status).toBe(200);
    expect(await notices()).toHaveLength(1);
    // Firefox on Windows signed in by code is now a known device for the password too.
    expect(
      (await signIn('Mozilla/5.0 (Windows NT 10.0; rv:134.0) Gecko/20100101 Firefox/134.0')).status,
    ).toBe(200);
    expect(await notices()).toHaveLength(1);
    // A device never seen: the second notice.
    expect((await signIn('curl/8.11.0')).status).toBe(200);
    expect((await notices()).map((mail) => mail.textBody.includes('curl, from the address'))).toEqual([
      false,
      true,
    ]);
  });
});
