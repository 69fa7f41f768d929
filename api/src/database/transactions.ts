import type { Database } from './database.factory.js';
import type { DatabaseHandle } from './database-handle.js';

/**
 * The transaction a service opens around writes of several repositories that must commit together
 * and record no security activity (those go through `SecurityActivityService.withEvents`): a
 * ceremony's challenge with the re-authentication code it spends, a pending change with its link.
 * Provided by DatabaseModule; repositories take the transaction as their last argument.
 */
export class Transactions {
  constructor(private readonly database: DatabaseHandle) {}

  /** Runs `work` in a new transaction; every query of it must run on `trx` (a Lambda's pool has one connection). */
  run<T>(work: (trx: Database) => Promise<T>): Promise<T> {
    return this.database.transaction(work);
  }
}
