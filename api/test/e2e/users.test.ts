import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  type ErrorBody,
  latestMail,
  newCredentials,
  RELAXED_LIMITS,
  readJson,
  registerAdmin,
  registerUser,
  type TokenPair,
} from '../support/auth-helpers.js';
import {
  fakePng,
  filesOnDisk,
  freePort,
  putToStorage,
  selfAddressedEnv,
  startUpload,
  uploadFile,
} from '../support/files-helpers.js';
import { whileAccountsHeld } from '../support/lock-waits.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

interface Me {
  id: string;
  email: string;
  username: string;
  displayName: string | null;
  bio: string | null;
  avatarFileId: string | null;
  avatarUrl: string | null;
  role: 'user' | 'admin';
  emailVerified: boolean;
  hasPassword: boolean;
  createdAt: string;
}

interface AdminPage {
  items: { id: string; email: string; username: string; role: string; disabledAt: string | null }[];
  nextCursor: string | null;
}

async function codeOf(response: Response): Promise<string> {
  return (await readJson<ErrorBody>(response)).code;
}

describe('users over HTTP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ ...RELAXED_LIMITS, ...selfAddressedEnv(await freePort()) });
  });
  afterAll(async () => {
    await server?.close();
  });

  const patchMe = (token: string, json: unknown) =>
    server.request('/users/me', { method: 'PATCH', headers: bearer(token), json });

  describe('/users/me', () => {
    it('shows the account and updates display name, bio and username', async () => {
      const { credentials, tokens } = await registerUser(server);
      const me = await server.request('/users/me', { headers: bearer(tokens.accessToken) });
      expect(me.status).toBe(200);
      expect(await readJson<Me>(me)).toEqual({
        id: tokens.user.id,
        email: credentials.email,
        username: credentials.username,
        displayName: null,
        bio: null,
        avatarFileId: null,
        avatarUrl: null,
        role: 'user',
        emailVerified: false,
        hasPassword: true,
        mfaEnabled: false,
        createdAt: expect.any(String),
      });
      const username = newCredentials().username;
      const updated = await patchMe(tokens.accessToken, {
        displayName: '  Ada Lovelace ',
        bio: 'Analyst.\nEngines.',
        username: username.toUpperCase(),
      });
      expect(updated.status).toBe(200);
      expect(await readJson<Me>(updated)).toMatchObject({
        displayName: 'Ada Lovelace',
        bio: 'Analyst.\nEngines.',
        username,
      });
      const cleared = await patchMe(tokens.accessToken, { displayName: null, bio: '' });
      expect(await readJson<Me>(cleared)).toMatchObject({ displayName: null, bio: null, username });
    });

    it('refuses a taken username (409 USERNAME_TAKEN) and invalid fields (400 VALIDATION_FAILED)', async () => {
      const first = await registerUser(server);
      const second = await registerUser(server);
      const taken = await patchMe(second.tokens.accessToken, { username: first.credentials.username });
      expect(taken.status).toBe(409);
      expect(await codeOf(taken)).toBe('USERNAME_TAKEN');
      for (const body of [
        { displayName: 'x'.repeat(101) },
        { bio: 'bell\u0007' },
        { email: 'a@b.co' },
        { username: 'no spaces' },
      ]) {
        const response = await patchMe(second.tokens.accessToken, body);
        expect(response.status).toBe(400);
        expect(await codeOf(response)).toBe('VALIDATION_FAILED');
      }
    });

    it('accepts only a ready avatar of your own, then shows it publicly', async () => {
      const { tokens } = await registerUser(server);
      const other = await registerUser(server);
      const pending = await startUpload(server, tokens.accessToken, {
        purpose: 'avatar',
        contentType: 'image/png',
        size: 10,
      });
      const notReady = await patchMe(tokens.accessToken, { avatarFileId: pending.fileId });
      expect(notReady.status).toBe(409);
      expect(await codeOf(notReady)).toBe('AVATAR_NOT_READY');

      const story = await uploadFile(server, tokens.accessToken, 'story');
      const notAvatar = await patchMe(tokens.accessToken, { avatarFileId: story.id });
      expect(notAvatar.status).toBe(400);
      expect(await codeOf(notAvatar)).toBe('FILE_NOT_AN_AVATAR');

      const othersAvatar = await uploadFile(server, other.tokens.accessToken, 'avatar');
      const notMine = await patchMe(tokens.accessToken, { avatarFileId: othersAvatar.id });
      expect(notMine.status).toBe(404);
      expect(await codeOf(notMine)).toBe('FILE_NOT_FOUND');

      await putToStorage(pending, fakePng(10));
      const completed = await server.request(`/files/${pending.fileId}/complete`, {
        method: 'POST',
        headers: bearer(tokens.accessToken),
      });
      expect(completed.status).toBe(200);
      const set = await patchMe(tokens.accessToken, { avatarFileId: pending.fileId });
      expect(set.status).toBe(200);
      const me = await readJson<Me>(set);
      expect(me.avatarFileId).toBe(pending.fileId);
      expect(me.avatarUrl).toBe(`${server.baseUrl}/files/${pending.fileId}/content`);

      const profile = await server.request(`/users/${tokens.user.id}`, {
        headers: bearer(other.tokens.accessToken),
      });
      expect(profile.status).toBe(200);
      const body = await readJson<Record<string, unknown>>(profile);
      expect(body).toEqual({
        id: tokens.user.id,
        username: tokens.user.username,
        displayName: null,
        bio: null,
        avatarUrl: me.avatarUrl,
      });
      expect(JSON.stringify(body)).not.toContain('@');

      // The avatar URL works without credentials (an <img> sends none): 302 to a signed GET.
      const anonymous = await fetch(me.avatarUrl ?? '', { redirect: 'manual' });
      expect(anonymous.status).toBe(302);
      expect(anonymous.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
      expect(anonymous.headers.get('cache-control')).toBe('public, max-age=60');
      const image = await fetch(anonymous.headers.get('location') ?? '');
      expect(image.status).toBe(200);
      expect(new Uint8Array(await image.arrayBuffer())).toEqual(fakePng(10));

      // Deleting the file clears it from the profile.
      await server.request(`/files/${pending.fileId}`, {
        method: 'DELETE',
        headers: bearer(tokens.accessToken),
      });
      const after = await server.request('/users/me', { headers: bearer(tokens.accessToken) });
      expect(await readJson<Me>(after)).toMatchObject({ avatarFileId: null, avatarUrl: null });
      const cleared = await patchMe(tokens.accessToken, { avatarFileId: null });
      expect(cleared.status).toBe(200);
    });

    it('deletes the previous avatar file when the avatar is replaced', async () => {
      const { tokens } = await registerUser(server);
      const first = await uploadFile(server, tokens.accessToken, 'avatar');
      const second = await uploadFile(server, tokens.accessToken, 'avatar');
      await patchMe(tokens.accessToken, { avatarFileId: first.id });
      const replaced = await patchMe(tokens.accessToken, { avatarFileId: second.id });
      expect(await readJson<Me>(replaced)).toMatchObject({ avatarFileId: second.id });
      const old = await server.request(`/files/${first.id}`, { headers: bearer(tokens.accessToken) });
      expect(old.status).toBe(404);
      // Not only unserved: its object is gone, and its row is a tombstone for the cleanup job.
      const onDisk = await filesOnDisk(server);
      expect(onDisk.filter((path) => path.includes(first.id))).toEqual([]);
      expect(onDisk.some((path) => path.includes(second.id))).toBe(true);
      const row = await server.database.db
        .selectFrom('files')
        .select('status')
        .where('id', '=', first.id)
        .executeTakeFirst();
      expect(row).toEqual({ status: 'deleted' });
      expect((await server.request(`/files/${second.id}/content`, { redirect: 'manual' })).status).toBe(302);
    });

    // A stolen access token alone must not be enough to delete an account.
    it('deletes the account only after re-authentication; wrong passwords count towards the lockout', async () => {
      const { credentials, tokens } = await registerUser(server);
      const remove = (init: { json?: unknown }) =>
        server.request('/users/me', { method: 'DELETE', headers: bearer(tokens.accessToken), ...init });
      const noBody = await remove({});
      expect(noBody.status).toBe(400);
      expect(await readJson<ErrorBody>(noBody)).toMatchObject({
        code: 'VALIDATION_FAILED',
        message: 'body: send a JSON body (Content-Type: application/json)',
      });
      expect(await codeOf(await remove({ json: {} }))).toBe('REAUTHENTICATION_REQUIRED');
      // AUTH_LOCKOUT_THRESHOLD is 10: nine wrong guesses, then the right password still works…
      for (let guess = 0; guess < 9; guess++) {
        expect(await codeOf(await remove({ json: { password: `wrong guess ${guess}` } }))).toBe(
          'CURRENT_PASSWORD_INCORRECT',
        );
      }
      const me = await server.request('/users/me', { headers: bearer(tokens.accessToken) });
      expect(me.status).toBe(200);
      // …and clears the count; ten wrong in a row lock the account, for sign-in too.
      const keyWithRightPassword = await server.request('/auth/api-keys', {
        method: 'POST',
        headers: bearer(tokens.accessToken),
        json: { name: 'reset the count', password: credentials.password },
      });
      expect(keyWithRightPassword.status).toBe(201);
      const otherDevice = await readJson<TokenPair>(
        await server.request('/auth/login', {
          method: 'POST',
          json: { email: credentials.email, password: credentials.password },
        }),
      );
      for (let guess = 0; guess < 9; guess++) await remove({ json: { password: `wrong again ${guess}` } });
      // The tenth locks the account and signs out the session that guessed (likely a stolen one).
      expect(await codeOf(await remove({ json: { password: 'wrong again 9' } }))).toBe('ACCOUNT_LOCKED');
      expect(await codeOf(await remove({ json: { password: credentials.password } }))).toBe(
        'SESSION_REVOKED',
      );
      expect(await codeOf(await server.request('/users/me', { headers: bearer(tokens.accessToken) }))).toBe(
        'SESSION_REVOKED',
      );
      const login = await server.request('/auth/login', {
        method: 'POST',
        json: { email: credentials.email, password: credentials.password },
      });
      expect(await codeOf(login)).toBe('INVALID_CREDENTIALS');
      // The owner's other devices stay signed in; the locked account refuses the password there too.
      const elsewhere = bearer(otherDevice.accessToken);
      expect((await server.request('/users/me', { headers: elsewhere })).status).toBe(200);
      const lockedThere = await server.request('/users/me', {
        method: 'DELETE',
        headers: elsewhere,
        json: { password: credentials.password },
      });
      expect(await codeOf(lockedThere)).toBe('ACCOUNT_LOCKED');
    });

    it('deletes the account: signs out everywhere at once, hides the profile, keeps the email taken until purge', async () => {
      const { credentials, tokens } = await registerUser(server);
      const other = await registerUser(server);
      const secondSession = await server.request('/auth/login', {
        method: 'POST',
        json: { email: credentials.email, password: credentials.password },
      });
      const second = await readJson<TokenPair>(secondSession);
      const avatar = await uploadFile(server, tokens.accessToken, 'avatar');
      await patchMe(tokens.accessToken, { avatarFileId: avatar.id });

      const deleted = await server.request('/users/me', {
        method: 'DELETE',
        headers: bearer(tokens.accessToken),
        json: { password: credentials.password },
      });
      expect(deleted.status).toBe(204);
      expect((await latestMail(server, credentials.email)).subject).toBe('Your account was deleted');
      for (const token of [tokens.accessToken, second.accessToken]) {
        const response = await server.request('/users/me', { headers: bearer(token) });
        expect(response.status).toBe(401);
        expect(await codeOf(response)).toBe('SESSION_REVOKED');
      }
      const login = await server.request('/auth/login', {
        method: 'POST',
        json: { email: credentials.email, password: credentials.password },
      });
      expect(await codeOf(login)).toBe('INVALID_CREDENTIALS');
      const profile = await server.request(`/users/${tokens.user.id}`, {
        headers: bearer(other.tokens.accessToken),
      });
      expect(profile.status).toBe(404);
      expect(await codeOf(profile)).toBe('USER_NOT_FOUND');
      expect((await server.request(`/files/${avatar.id}/content`)).status).toBe(404);
      const again = await server.request('/auth/register', {
        method: 'POST',
        json: { ...newCredentials(), email: credentials.email },
      });
      expect(await codeOf(again)).toBe('EMAIL_TAKEN');
    });

    it('deletes once when the deletion is sent twice at once (a double click, a retry)', async () => {
      const { credentials, tokens } = await registerUser(server);
      const remove = () =>
        server.request('/users/me', {
          method: 'DELETE',
          headers: bearer(tokens.accessToken),
          json: { password: credentials.password },
        });
      const db = server.database.db;
      // Both pass re-authentication and then meet at the account's row: held here until both
      // wait for it, so the two deletions overlap whatever the machine's timing.
      const answers = await whileAccountsHeld(db, 'postgres', {
        userIds: [tokens.user.id],
        send: () => Promise.all([remove(), remove()]),
        mysqlStatement: 'update `users`',
        waiters: 2,
      });
      // The second found the account deleted and answers as the first did, having done nothing.
      expect(answers.map((answer) => answer.status)).toEqual([204, 204]);
      const events = await db
        .selectFrom('securityEvents')
        .select('type')
        .where('userId', '=', tokens.user.id)
        .where('type', '=', 'account_deleted')
        .execute();
      expect(events).toHaveLength(1);
      const notices = await db
        .selectFrom('outbox')
        .select('subject')
        .where('toAddress', '=', credentials.email)
        .where('subject', '=', 'Your account was deleted')
        .execute();
      expect(notices).toHaveLength(1);
    });
  });

  describe('GET /users/:id', () => {
    it('needs sign-in and answers 404 USER_NOT_FOUND for unknown ids', async () => {
      const { tokens } = await registerUser(server);
      expect((await server.request(`/users/${tokens.user.id}`)).status).toBe(401);
      const unknown = await server.request('/users/00000000-0000-4000-8000-000000000000', {
        headers: bearer(tokens.accessToken),
      });
      expect(unknown.status).toBe(404);
      expect(await codeOf(unknown)).toBe('USER_NOT_FOUND');
    });
  });

  describe('administration', () => {
    it('is for admins only (403 FORBIDDEN)', async () => {
      const { tokens } = await registerUser(server);
      const list = await server.request('/admin/users', { headers: bearer(tokens.accessToken) });
      expect(list.status).toBe(403);
      expect(await codeOf(list)).toBe('FORBIDDEN');
      const patch = await server.request(`/admin/users/${tokens.user.id}`, {
        method: 'PATCH',
        headers: bearer(tokens.accessToken),
        json: { role: 'admin' },
      });
      expect(patch.status).toBe(403);
    });

    it('searches by email or username prefix, newest first, page by page', async () => {
      const admin = await registerAdmin(server);
      const tag = `pg${Date.now().toString(36)}`;
      const created: string[] = [];
      for (let i = 0; i < 3; i++) {
        const credentials = { ...newCredentials(), username: `${tag}_${i}` };
        const id = (await registerUser(server, credentials)).tokens.user.id;
        // Distinct creation times, so "newest first" does not depend on how fast registration ran.
        const createdAt = new Date(Date.UTC(2030, 0, 1, 0, 0, i));
        await server.database.db.updateTable('users').set({ createdAt }).where('id', '=', id).execute();
        created.push(id);
      }
      const first = await server.request(`/admin/users?query=${tag.toUpperCase()}&limit=2`, {
        headers: bearer(admin.tokens.accessToken),
      });
      expect(first.status).toBe(200);
      const page1 = await readJson<AdminPage>(first);
      expect(page1.items.map((user) => user.id)).toEqual([created[2], created[1]]);
      expect(page1.nextCursor).not.toBeNull();
      const second = await server.request(
        `/admin/users?query=${tag}&limit=2&cursor=${encodeURIComponent(page1.nextCursor ?? '')}`,
        { headers: bearer(admin.tokens.accessToken) },
      );
      const page2 = await readJson<AdminPage>(second);
      expect(page2.items.map((user) => user.id)).toEqual([created[0]]);
      expect(page2.nextCursor).toBeNull();

      const byEmail = await server.request(
        `/admin/users?query=${encodeURIComponent(admin.credentials.email)}`,
        {
          headers: bearer(admin.tokens.accessToken),
        },
      );
      expect((await readJson<AdminPage>(byEmail)).items.map((user) => user.id)).toEqual([
        admin.tokens.user.id,
      ]);
      const wildcard = await server.request('/admin/users?query=%25', {
        headers: bearer(admin.tokens.accessToken),
      });
      expect((await readJson<AdminPage>(wildcard)).items).toEqual([]);
      const badCursor = await server.request('/admin/users?cursor=nonsense', {
        headers: bearer(admin.tokens.accessToken),
      });
      expect(badCursor.status).toBe(400);
      expect(await codeOf(badCursor)).toBe('VALIDATION_FAILED');
      // Well-formed, but a date no timestamp column holds (was a 500 from PostgreSQL).
      for (const iso of ['-010000-01-01T00:00:00.000Z', '+275760-01-01T00:00:00.000Z']) {
        const cursor = Buffer.from(`${iso}|${admin.tokens.user.id}`).toString('base64url');
        const outOfRange = await server.request(`/admin/users?cursor=${cursor}`, {
          headers: bearer(admin.tokens.accessToken),
        });
        expect(outOfRange.status).toBe(400);
        expect(await codeOf(outOfRange)).toBe('VALIDATION_FAILED');
      }
    });

    it('disables a user: their sessions stop at once, sign-in is refused, re-enabling restores it', async () => {
      const admin = await registerAdmin(server);
      const { credentials, tokens } = await registerUser(server);
      expect((await server.request('/users/me', { headers: bearer(tokens.accessToken) })).status).toBe(200);
      const disable = await server.request(`/admin/users/${tokens.user.id}`, {
        method: 'PATCH',
        headers: bearer(admin.tokens.accessToken),
        json: { disabled: true },
      });
      expect(disable.status).toBe(200);
      expect((await readJson<AdminPage['items'][number]>(disable)).disabledAt).not.toBeNull();
      const revoked = await server.request('/users/me', { headers: bearer(tokens.accessToken) });
      expect(revoked.status).toBe(401);
      const login = () =>
        server.request('/auth/login', {
          method: 'POST',
          json: { email: credentials.email, password: credentials.password },
        });
      expect(await codeOf(await login())).toBe('ACCOUNT_DISABLED');
      const enable = await server.request(`/admin/users/${tokens.user.id}`, {
        method: 'PATCH',
        headers: bearer(admin.tokens.accessToken),
        json: { disabled: false },
      });
      expect((await readJson<AdminPage['items'][number]>(enable)).disabledAt).toBeNull();
      expect((await login()).status).toBe(200);
    });

    it('changes roles (the user signs in again to use them); refuses self-changes and unknown users', async () => {
      const admin = await registerAdmin(server);
      const { credentials, tokens } = await registerUser(server);
      const promote = (proof: Record<string, string>) =>
        server.request(`/admin/users/${tokens.user.id}`, {
          method: 'PATCH',
          headers: bearer(admin.tokens.accessToken),
          json: { role: 'admin', ...proof },
        });
      // An admin's access token alone does not make another admin.
      const unconfirmed = await promote({});
      expect(unconfirmed.status).toBe(403);
      expect(await codeOf(unconfirmed)).toBe('REAUTHENTICATION_REQUIRED');
      expect(await codeOf(await promote({ password: 'not the admin password' }))).toBe(
        'CURRENT_PASSWORD_INCORRECT',
      );
      expect((await server.request('/users/me', { headers: bearer(tokens.accessToken) })).status).toBe(200);
      expect((await promote({ password: admin.credentials.password })).status).toBe(200);
      expect((await latestMail(server, credentials.email)).subject).toBe('You are now an administrator');
      expect((await server.request('/users/me', { headers: bearer(tokens.accessToken) })).status).toBe(401);
      const login = await server.request('/auth/login', {
        method: 'POST',
        json: { email: credentials.email, password: credentials.password },
      });
      const fresh = await readJson<TokenPair>(login);
      expect((await server.request('/admin/users', { headers: bearer(fresh.accessToken) })).status).toBe(200);

      const self = await server.request(`/admin/users/${admin.tokens.user.id}`, {
        method: 'PATCH',
        headers: bearer(admin.tokens.accessToken),
        json: { role: 'user' },
      });
      expect(self.status).toBe(409);
      expect(await codeOf(self)).toBe('ADMIN_SELF_CHANGE');
      // The same id in capitals is the same account (MySQL would match it, PostgreSQL would not).
      const shouted = await server.request(`/admin/users/${admin.tokens.user.id.toUpperCase()}`, {
        method: 'PATCH',
        headers: bearer(admin.tokens.accessToken),
        json: { role: 'user' },
      });
      expect(await codeOf(shouted)).toBe('ADMIN_SELF_CHANGE');
      const unknown = await server.request('/admin/users/00000000-0000-4000-8000-000000000000', {
        method: 'PATCH',
        headers: bearer(admin.tokens.accessToken),
        json: { disabled: true },
      });
      expect(unknown.status).toBe(404);
      expect(await codeOf(unknown)).toBe('USER_NOT_FOUND');
      const empty = await server.request(`/admin/users/${tokens.user.id}`, {
        method: 'PATCH',
        headers: bearer(admin.tokens.accessToken),
        json: {},
      });
      expect(await codeOf(empty)).toBe('VALIDATION_FAILED');
    });
  });
});
