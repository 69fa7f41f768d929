import type { Compilable, CompiledQuery, QueryResult, UnknownRow } from 'kysely';
import { type Database, directQueryOf } from './database.factory.js';
import type { DatabaseHandle } from './database-handle.js';

/**
 * A query compiled once and then executed with fresh parameters.
 *
 * Building a Kysely query allocates an operation-node tree, runs every plugin's transform over it
 * (CamelCasePlugin rewrites each identifier) and compiles SQL. For the lookups behind every
 * authenticated request (user by id, session status) that was most of the database layer's CPU
 * and garbage, for SQL that never changes. Here the SQL, the node and the query id are built on
 * first use and reused; only the parameters differ between calls. Result rows still go through
 * the plugins (CamelCasePlugin maps the column names back), which do not keep per-query state.
 *
 * On PostgreSQL the SQL runs straight on the pool (`directQueryOf`) instead of through Kysely's
 * executor, whose connection checkout (provider, runtime driver, pg-pool's promise-based connect,
 * release) cost 11–20 µs of server CPU per `GET /auth/me` (3–5% in four A/B runs of two builds,
 * both orders). Same pool, same SQL, same plugins; MySQL and databases not made by
 * `createDatabase` keep the executor.
 *
 * `build` receives the database and one placeholder per parameter, and must bind each placeholder
 * exactly once, in order; the first compilation checks that, so a builder that reorders, repeats
 * or inlines a value fails loudly instead of sending values to the wrong placeholders.
 */
export class PrecompiledQuery<Row, Params extends readonly unknown[]> {
  private compiled: CompiledQuery<Row> | undefined;
  /** The database once made: `DatabaseHandle.get()` settles once, and this saves an await per call. */
  private db: Database | undefined;

  constructor(
    private readonly database: DatabaseHandle,
    private readonly parameterCount: Params['length'],
    private readonly build: (db: Database, ...params: Params) => Compilable<Row>,
  ) {}

  async execute(...params: Params): Promise<Row[]> {
    this.db ??= await this.database.get();
    const db = this.db;
    const compiled = this.compiled ?? this.compile(db);
    const direct = directQueryOf(db);
    if (direct === undefined) return (await db.executeQuery<Row>({ ...compiled, parameters: params })).rows;
    let result: QueryResult<UnknownRow> = { rows: await direct(compiled.sql, params) };
    for (const plugin of db.getExecutor().plugins) {
      result = await plugin.transformResult({ result, queryId: compiled.queryId });
    }
    return result.rows as unknown as Row[];
  }

  async executeTakeFirst(...params: Params): Promise<Row | undefined> {
    return (await this.execute(...params))[0];
  }

  private compile(db: Database): CompiledQuery<Row> {
    const placeholders = Array.from({ length: this.parameterCount }, (_, index) => `\u0000param${index}`);
    const compiled = this.build(db, ...(placeholders as unknown as Params)).compile();
    const bound = compiled.parameters;
    if (bound.length !== placeholders.length || bound.some((value, index) => value !== placeholders[index])) {
      throw new Error(
        `A precompiled query must bind each of its ${placeholders.length} parameters once, in order: ${compiled.sql}`,
      );
    }
    this.compiled = compiled;
    return compiled;
  }
}
