import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, directQueryOf } from '../../src/database/database.factory.js';
import { DatabaseHandle } from '../../src/database/database-handle.js';
import { PrecompiledQuery } from '../../src/database/precompiled-query.js';
import { newUserRow } from '../../src/users/new-user.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../support/test-database.js';

describe.each(testDialects())('precompiled queries on %s', (dialect) => {
  let database: TestDatabase;
  const id = randomUUID();
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    const now = new Date('2026-01-02T03:04:05.000Z');
    await database.db
      .insertInto('users')
      .values(
        newUserRow({
          id,
          email: 'precompiled@example.com',
          username: 'precompiled',
          passwordHash: 'not-a-hash',
          emailVerifiedAt: now,
          now,
        }),
      )
      .execute();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('takes the direct path to the pool on PostgreSQL only, never inside a transaction', async () => {
    expect(directQueryOf(database.db) !== undefined).toBe(dialect === 'postgres');
    await database.db.transaction().execute(async (trx) => {
      expect(directQueryOf(trx)).toBeUndefined();
    });
  });

  it('returns exactly the rows the query builder returns: camelCase columns, the same values and types', async () => {
    const byId = new PrecompiledQuery(DatabaseHandle.of(database.db), 1, (db, userId: string) =>
      db.selectFrom('users').selectAll().where('id', '=', userId),
    );
    const expected = await database.db.selectFrom('users').selectAll().where('id', '=', id).execute();
    expect(expected).toHaveLength(1);
    const rows = await byId.execute(id);
    expect(rows).toEqual(expected);
    expect(rows[0]?.emailVerifiedAt).toBeInstanceOf(Date);
    expect(await byId.executeTakeFirst(randomUUID())).toBeUndefined();
  });
});

describe('the direct path on postgres', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('tries again after the connection URL could not be resolved (a secret read that failed once)', async () => {
    let attempts = 0;
    const db = await createDatabase({
      dialect: 'postgres',
      poolMax: 1,
      url: async () => {
        attempts++;
        if (attempts === 1) throw new Error('secret unavailable');
        return database.url;
      },
    });
    try {
      const byEmail = new PrecompiledQuery(DatabaseHandle.of(db), 1, (builder, email: string) =>
        builder.selectFrom('users').select('id').where('email', '=', email),
      );
      await expect(byEmail.execute('nobody@example.com')).rejects.toThrow('secret unavailable');
      expect(await byEmail.execute('nobody@example.com')).toEqual([]);
      expect(await db.selectFrom('users').select('id').execute()).toEqual([]);
      expect(attempts).toBe(2);
    } finally {
      await db.destroy();
    }
  });
});
