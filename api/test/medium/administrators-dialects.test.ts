import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, type ErrorBody, RELAXED_LIMITS, readJson, registerAdmin } from '../support/auth-helpers.js';
import { whileAccountsHeld } from '../support/lock-waits.js';
import { testDialects } from '../support/test-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * The service always keeps an administrator, on each engine: the only one cannot delete their
 * account, and two admins taking each other's role at once leave one of them admin (their rows
 * are locked in one order, so the second change sees the first).
 */
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
      mysqlStatement: 'select `id` from `users`',
      waiters: 2,
    });
    const statuses = answers.map((answer) => answer.status).sort();
    // One goes through; the other was made by someone no longer an admin by then.
    expect(statuses).toEqual([200, 403]);
    expect(await activeAdmins()).toHaveLength(1);
  });
});
