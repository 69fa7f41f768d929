import type { Database } from './database.factory.js';

/** How a repository's batched delete runs (each has its own default batch size). */
export interface BatchedDeleteOptions {
  readonly batchSize?: number;
  /**
   * Asked before each batch, the first included; `false` ends the delete there and the rest waits
   * for the next call. A maintenance run on Lambda stops this way at its deadline: cut off by the
   * function's timeout instead, it would fail and its later steps would not run (MaintenanceService).
   */
  readonly mayContinue?: () => boolean;
}

/**
 * Deletes rows a batch at a time until none are left, or until `mayContinue` answers `false`
 * before a batch: `selectIds` finds up to `batchSize` ids of rows to delete, `deleteIds` deletes
 * those rows and resolves to how many it did; resolves to the total. Each batch is its own
 * statements, so housekeeping over a large table (a first run over years of rows) holds no long
 * transaction over a table requests keep writing to.
 */
export async function deleteInBatches(
  selectIds: (limit: number) => Promise<readonly string[]>,
  deleteIds: (ids: readonly string[]) => Promise<number>,
  batchSize: number,
  mayContinue: () => boolean = () => true,
): Promise<number> {
  let deleted = 0;
  for (;;) {
    if (!mayContinue()) return deleted;
    const ids = await selectIds(batchSize);
    if (ids.length === 0) return deleted;
    deleted += await deleteIds(ids);
    if (ids.length < batchSize) return deleted;
  }
}

/** Tables whose rows expire by age alone: each has an `id` and a `createdAt`. */
type AgedTable = 'securityEvents' | 'outbox';

/**
 * Deletes the rows of `table` created before `before`, `batchSize` at a time (as
 * {@link deleteInBatches}); resolves to how many.
 */
export function deleteCreatedBefore(
  db: Database,
  table: AgedTable,
  before: Date,
  batchSize: number,
  mayContinue?: () => boolean,
): Promise<number> {
  return deleteInBatches(
    async (limit) =>
      (await db.selectFrom(table).select('id').where('createdAt', '<', before).limit(limit).execute()).map(
        (row) => row.id,
      ),
    async (ids) =>
      Number((await db.deleteFrom(table).where('id', 'in', ids).executeTakeFirst()).numDeletedRows),
    batchSize,
    mayContinue,
  );
}

/** Tables whose rows end at an `expiresAt`: each has an `id`. */
type ExpiringTable = 'oneTimeTokens' | 'pendingRegistrations';

/**
 * Deletes the rows of `table` that expired before `before`, `batchSize` at a time (as
 * {@link deleteInBatches}); resolves to how many.
 */
export function deleteExpiredBefore(
  db: Database,
  table: ExpiringTable,
  before: Date,
  batchSize: number,
  mayContinue?: () => boolean,
): Promise<number> {
  return deleteInBatches(
    async (limit) =>
      (await db.selectFrom(table).select('id').where('expiresAt', '<', before).limit(limit).execute()).map(
        (row) => row.id,
      ),
    async (ids) =>
      Number((await db.deleteFrom(table).where('id', 'in', ids).executeTakeFirst()).numDeletedRows),
    batchSize,
    mayContinue,
  );
}
