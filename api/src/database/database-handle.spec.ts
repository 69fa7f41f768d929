import { describe, expect, it, vi } from 'vitest';
import { createDatabase, type Database, dialectOf } from './database.factory.js';
import { DatabaseHandle } from './database-handle.js';

// Nothing here connects: createDatabase makes the pool on the first query, and none is run.
const UNREACHABLE = 'postgres://nobody:nothing@127.0.0.1:9/none';

describe('DatabaseHandle', () => {
  it('makes the database on the first get(), once, and hands every caller the same instance', async () => {
    const create = vi.fn(() => createDatabase({ url: UNREACHABLE, dialect: 'postgres' }));
    const handle = new DatabaseHandle(create);
    expect(create).not.toHaveBeenCalled();
    const [first, second] = await Promise.all([handle.get(), handle.get()]);
    expect(first).toBe(second);
    expect(await handle.get()).toBe(first);
    expect(create).toHaveBeenCalledTimes(1);
    await handle.close();
  });

  it('closes without making a database that was never used', async () => {
    const create = vi.fn(() => createDatabase({ url: UNREACHABLE, dialect: 'postgres' }));
    await new DatabaseHandle(create).close();
    expect(create).not.toHaveBeenCalled();
  });

  it('destroys the database it made when closed', async () => {
    const db = await createDatabase({ url: UNREACHABLE, dialect: 'postgres' });
    const destroy = vi.spyOn(db, 'destroy');
    const handle = new DatabaseHandle(async () => db);
    await handle.get();
    await handle.close();
    expect(destroy).toHaveBeenCalledTimes(1);
  });

  it('wraps an existing database for CLIs and tests', async () => {
    const db = await createDatabase({ url: UNREACHABLE, dialect: 'postgres' });
    expect(await DatabaseHandle.of(db).get()).toBe(db);
    await db.destroy();
  });
});

describe('dialectOf', () => {
  it.each(['postgres', 'mysql'] as const)(
    'knows a %s database and the instances derived from it',
    async (dialect) => {
      const db = await createDatabase({ url: UNREACHABLE.replace('postgres:', `${dialect}:`), dialect });
      expect(dialectOf(db)).toBe(dialect);
      expect(dialectOf(db.withSchema('other'))).toBe(dialect);
      await db.destroy();
    },
  );

  it('refuses a Kysely instance createDatabase did not make, instead of guessing', async () => {
    const { Kysely, PostgresDialect } = await import('kysely');
    const foreign: Database = new Kysely({
      dialect: new PostgresDialect({ pool: async () => ({}) as never }),
    });
    expect(() => dialectOf(foreign)).toThrow(/createDatabase/);
  });
});
