import type { Database } from './database.factory.js';

/**
 * The database as repositories hold it: the Kysely instance is made on the first `get()`, not when
 * Nest builds the repositories. A Lambda cold start that answers `/health` never queries, and
 * making the instance means loading Kysely (~150 KiB of code, ~6 ms of init measured; see
 * docs/lambda.md). After the first call `get()` returns the same settled promise, one `await`.
 */
export class DatabaseHandle {
  private database: Promise<Database> | undefined;

  constructor(private readonly create: () => Promise<Database>) {}

  /** A handle over a database that already exists (CLIs, tests). */
  static of(db: Database): DatabaseHandle {
    return new DatabaseHandle(async () => db);
  }

  get(): Promise<Database> {
    this.database ??= this.create();
    return this.database;
  }

  /**
   * Runs `write` in a transaction: `within` when it is one (a caller's, so writes of several
   * repositories commit together, like a change and the security event that records it), else a
   * new one.
   */
  async transaction<T>(write: (trx: Database) => Promise<T>, within?: Database): Promise<T> {
    if (within?.isTransaction) return write(within);
    return (await this.get()).transaction().execute(write);
  }

  /** Destroys the pool if the database was ever made; does nothing otherwise. */
  async close(): Promise<void> {
    if (this.database === undefined) return;
    const db = await this.database.catch(() => undefined);
    await db?.destroy();
  }
}
