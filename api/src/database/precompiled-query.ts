import type { Compilable, CompiledQuery } from 'kysely';
import { type Database, type DirectQuery, directQueryOf } from './database.factory.js';
import type { DatabaseHandle } from './database-handle.js';

/**
 * A query compiled once and then executed with fresh parameters.
 *
 * Building a Kysely query allocates an operation-node tree, runs every plugin's transform over it
 * (CamelCasePlugin rewrites each identifier) and compiles SQL. For the lookups behind every
 * authenticated request (user by id, session status) that was most of the database layer's CPU
 * and garbage, for SQL that never changes. Here the SQL, the node and the query id are built on
 * first use and reused; only the parameters differ between calls. Result rows are still mapped
 * back to camelCase column names.
 *
 * On PostgreSQL the SQL runs straight on the pool (`directQueryOf`) instead of through Kysely's
 * executor, whose connection checkout (provider, runtime driver, pg-pool's promise-based connect,
 * release) cost 11–20 µs of server CPU per `GET /auth/me` (3–5% in four A/B runs of two builds,
 * both orders). Same pool, same SQL, and the rows mapped by the database's own CamelCasePlugin;
 * MySQL and databases not made by `createDatabase` keep the executor.
 *
 * `build` receives the database and one placeholder per parameter, and must bind each placeholder
 * exactly once, in order; the first compilation checks that, so a builder that reorders, repeats
 * or inlines a value fails loudly instead of sending values to the wrong placeholders.
 */
export class PrecompiledQuery<Row, Params extends readonly unknown[]> {
  /**
   * Set together by the first call: the database (`DatabaseHandle.get()` settles once), its SQL,
   * and its direct path to the pool (undefined where the executor must run the query).
   */
  private ready:
    | {
        readonly db: Database;
        readonly compiled: CompiledQuery<Row>;
        readonly direct: DirectQuery | undefined;
      }
    | undefined;

  constructor(
    private readonly database: DatabaseHandle,
    private readonly parameterCount: Params['length'],
    private readonly build: (db: Database, ...params: Params) => Compilable<Row>,
  ) {}

  /**
   * After the first call this is a promise chain, not an async function: a request waiting for a
   * pool connection keeps every async frame on its path suspended (a generator, its registers and
   * a promise each), and under load hundreds wait at once. A heap snapshot of the server under
   * `GET /auth/me` load counted six suspended frames per waiting request, four of them here and in
   * the direct query; each scavenge copies all of them (see docs/benchmarks.md).
   */
  execute(...params: Params): Promise<Row[]> {
    const ready = this.ready;
    if (ready === undefined) return this.firstExecute(params);
    const { db, compiled, direct } = ready;
    if (direct === undefined) {
      return db.executeQuery<Row>({ ...compiled, parameters: params }).then((result) => result.rows);
    }
    return direct(compiled.sql, params) as Promise<Row[]>;
  }

  executeTakeFirst(...params: Params): Promise<Row | undefined> {
    return this.execute(...params).then(firstRow);
  }

  private async firstExecute(params: Params): Promise<Row[]> {
    const db = await this.database.get();
    this.ready ??= { db, compiled: this.compile(db), direct: directQueryOf(db) };
    return this.execute(...params);
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
    return compiled;
  }
}

function firstRow<Row>(rows: Row[]): Row | undefined {
  return rows[0];
}
