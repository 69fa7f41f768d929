import {
  CamelCasePlugin,
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
} from 'kysely';
import { describe, expect, it } from 'vitest';
import type { DatabaseSchema } from './database.types.js';
import { DatabaseHandle } from './database-handle.js';
import { PrecompiledQuery } from './precompiled-query.js';

/** Records what reaches the driver and answers with one snake_case row (no database needed here). */
function recordingDatabase() {
  const executed: CompiledQuery[] = [];
  const connection: DatabaseConnection = {
    async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
      executed.push(query);
      return { rows: [{ id: query.parameters[0], created_at: 'then' } as R] };
    },
    // biome-ignore lint/correctness/useYield: never streamed
    async *streamQuery() {
      throw new Error('not streamed');
    },
  };
  const driver: Driver = {
    async init() {},
    async acquireConnection() {
      return connection;
    },
    async beginTransaction() {},
    async commitTransaction() {},
    async rollbackTransaction() {},
    async releaseConnection() {},
    async destroy() {},
  };
  const db = new Kysely<DatabaseSchema>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => driver,
      createIntrospector: (kysely) => new PostgresIntrospector(kysely),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
    plugins: [new CamelCasePlugin()],
  });
  return { db, executed };
}

describe('PrecompiledQuery', () => {
  it('sends the SQL compiled once with each call’s parameters, and maps result columns', async () => {
    const { db, executed } = recordingDatabase();
    const byId = new PrecompiledQuery(DatabaseHandle.of(db), 1, (database, id: string) =>
      database.selectFrom('users').selectAll().where('id', '=', id),
    );
    expect(await byId.executeTakeFirst('a')).toEqual({ id: 'a', createdAt: 'then' });
    await byId.execute('b');
    expect(executed.map((query) => query.parameters)).toEqual([['a'], ['b']]);
    expect(executed[0]?.sql).toBe(executed[1]?.sql);
    expect(executed[0]?.sql).toBe('select * from "users" where "id" = $1');
  });

  it('refuses a builder that binds its parameters out of order', async () => {
    const { db } = recordingDatabase();
    const query = new PrecompiledQuery(
      DatabaseHandle.of(db),
      2,
      (database, email: string, username: string) =>
        database.selectFrom('users').selectAll().where('username', '=', username).where('email', '=', email),
    );
    await expect(query.execute('e', 'u')).rejects.toThrow(/once, in order/);
  });

  it('refuses a builder that binds a parameter twice', async () => {
    const { db } = recordingDatabase();
    const query = new PrecompiledQuery(DatabaseHandle.of(db), 1, (database, id: string) =>
      database.selectFrom('users').selectAll().where('id', '=', id).where('email', '=', id),
    );
    await expect(query.execute('x')).rejects.toThrow(/once, in order/);
  });
});
