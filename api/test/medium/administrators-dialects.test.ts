import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  codeFromMail,
  type ErrorBody,
  latestMail,
  RELAXED_LIMITS,
  readJson,
  registerAdmin,
  registerUser,
} from '../support/auth-helpers.js';
import { whileAccountsHeld } from '../support/lock-waits.js';
import { testDialects } from '../support/test-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * The service always keeps an administrator, on each engine: the only one cannot delete their
 * account, and two admins taking each other's role at once leave one of them admin (their rows
 * are locked in one order, so the second change sees the first).
 */
/** How the statement that locks the admins' rows begins on MySQL (see whileAccountsHeld). */
const LOCKING_ADMINS = 'select `id`, `role`';

describe.each(testDialects())('administrators on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    // Its own database: whether an admin is the last one depends on every other account.
    server = await startTestServer(RELAXED_LIMITS, dialect);
  });
  afterAll(async () => {
    await server?.close();
  });

  const activeAdmins = async () =>
    (
      await server.database.db
        .selectFrom('users')
        .select('id')
        .where('role', '=', 'admin')
        .where('disabledAt', 'is', null)
        .where('deletedAt', 'is', null)
        .execute()
    ).map((row) => row.id);

  it('keeps an admin: the only one cannot delete their account, and two cannot demote each other', async () => {
    const first = await registerAdmin(server);
    const deleteFirst = () =>
      server.request('/users/me', {
        method: 'DELETE',
        headers: bearer(first.tokens.accessToken),
        json: { password: first.credentials.password },
      });
    const alone = await deleteFirst();
    expect(alone.status).toBe(409);
    expect((await readJson<ErrorBody>(alone)).code).toBe('LAST_ADMIN');

    const second = await registerAdmin(server);
    const demote = (by: typeof first, whom: typeof first) =>
      server.request(`/admin/users/${whom.tokens.user.id}`, {
        method: 'PATCH',
        headers: bearer(by.tokens.accessToken),
        json: { role: 'user' },
      });
    // Both pass the guard as admins and then meet in the database: held here until both wait, so
    // the two changes overlap whatever the machine's timing.
    const db = server.database.db;
    const answers = await whileAccountsHeld(db, dialect, {
      userIds: [first.tokens.user.id, second.tokens.user.id],
      send: () => Promise.all([demote(first, second), demote(second, first)]),
      mysqlStatement: LOCKING_ADMINS,
      waiters: 2,
    });
    const statuses = answers.map((answer) => answer.status).sort();
    // One goes through; the other was made by someone no longer an admin by then.
    expect(statuses).toEqual([200, 403]);
    expect(await activeAdmins()).toHaveLength(1);
  });

  // Found in review (2026-12-07): only taking admin away checked the acting admin under the lock,
  // so one demoted after the guard passed (while the password was checked, or on an instance whose
  // session cache still held the old role) could still make an accomplice admin.
  it('refuses a grant of admin by an admin demoted while it waited, and changes nothing', async () => {
    const acting = await registerAdmin(server);
    const candidate = await registerUser(server);
    const response = await whileAccountsHeld(server.database.db, dialect, {
      userIds: [acting.tokens.user.id],
      send: () =>
        server.request(`/admin/users/${candidate.tokens.user.id}`, {
          method: 'PATCH',
          headers: bearer(acting.tokens.accessToken),
          json: { role: 'admin', password: acting.credentials.password },
        }),
      mysqlStatement: LOCKING_ADMINS,
      meanwhile: (trx) =>
        trx.updateTable('users').set({ role: 'user' }).where('id', '=', acting.tokens.user.id).execute(),
    });
    expect(response.status).toBe(403);
    expect((await readJson<ErrorBody>(response)).code).toBe('FORBIDDEN');
    expect(await activeAdmins()).not.toContain(candidate.tokens.user.id);
  });

  it('keeps an admin when the only two, without passwords, delete their accounts at once', async () => {
    const db = server.database.db;
    // Exactly two active admins: those the test before left are demoted first.
    await db.updateTable('users').set({ role: 'user' }).where('role', '=', 'admin').execute();
    const admins = [await registerAdmin(server), await registerAdmin(server)];
    // No password: the deletion is confirmed with an emailed code, whose spending locks the
    // account's own row inside the deletion's transaction, after the admins' rows.
    await db
      .updateTable('users')
      .set({ passwordHash: null })
      .where(
        'id',
        'in',
        admins.map((admin) => admin.tokens.user.id),
      )
      .execute();
    const codes: string[] = [];
    for (const admin of admins) {
      const asked = await server.request('/auth/reauthentication/code', {
        method: 'POST',
        headers: bearer(admin.tokens.accessToken),
      });
      expect(asked.status).toBe(202);
      codes.push(codeFromMail((await latestMail(server, admin.credentials.email)).textBody));
    }
    const deleteOwn = (index: number) =>
      server.request('/users/me', {
        method: 'DELETE',
        headers: bearer(admins[index]?.tokens.accessToken as string),
        json: { code: codes[index] },
      });
    // Both pass the proof and meet at the admins' rows, held here until both wait. Taking each
    // one's own row (the code's spend) before the admins' rows deadlocked the two (a 500).
    const answers = await whileAccountsHeld(db, dialect, {
      userIds: admins.map((admin) => admin.tokens.user.id),
      send: () => Promise.all([deleteOwn(0), deleteOwn(1)]),
      mysqlStatement: LOCKING_ADMINS,
      waiters: 2,
    });
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([204, 409]);
    const refused = answers.find((answer) => answer.status === 409);
    expect((await readJson<ErrorBody>(refused as Response)).code).toBe('LAST_ADMIN');
    expect(await activeAdmins()).toHaveLength(1);
  });
});
