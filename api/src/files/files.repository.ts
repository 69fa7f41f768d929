import { Inject, Injectable } from '@nestjs/common';
import type { Database } from '../database/database.factory.js';
import { DATABASE } from '../database/database.module.js';
import type { FilePurpose, FileRow, LiveFileRow } from '../database/database.types.js';
import type { DatabaseHandle } from '../database/database-handle.js';

/** All reads and writes of `files`. */
@Injectable()
export class FilesRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  async create(file: FileRow): Promise<void> {
    const db = await this.database.get();
    await db.insertInto('files').values(file).execute();
  }

  /** A file by id; tombstones (deleted files) are not found. */
  async findById(id: string, within?: Database): Promise<LiveFileRow | undefined> {
    const db = within ?? (await this.database.get());
    const row = await db
      .selectFrom('files')
      .selectAll()
      .where('id', '=', id)
      .where('status', '<>', 'deleted')
      .executeTakeFirst();
    return row as LiveFileRow | undefined;
  }

  /**
   * A file by id, its row locked until `trx` ends, so that a delete ({@link markDeleted}) waits for
   * that transaction or that transaction sees the delete; a tombstone is not found.
   */
  async lockById(id: string, trx: Database): Promise<LiveFileRow | undefined> {
    const row = await trx.selectFrom('files').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    return row?.status === 'deleted' ? undefined : (row as LiveFileRow | undefined);
  }

  /** A file whose owner is neither deleted nor disabled (what anyone may see of public files). */
  async findWithActiveOwner(id: string): Promise<LiveFileRow | undefined> {
    const db = await this.database.get();
    const row = await db
      .selectFrom('files')
      .innerJoin('users', 'users.id', 'files.userId')
      .selectAll('files')
      .where('files.id', '=', id)
      .where('files.status', '<>', 'deleted')
      .where('users.deletedAt', 'is', null)
      .where('users.disabledAt', 'is', null)
      .executeTakeFirst();
    return row as LiveFileRow | undefined;
  }

  /** Marks a pending file ready; false when it was not pending (already completed or gone). */
  async markReady(id: string, completedAt: Date): Promise<boolean> {
    const db = await this.database.get();
    const result = await db
      .updateTable('files')
      .set({ status: 'ready', completedAt })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      // Only while its owner's account stands: an instance whose session cache still honoured a
      // deleted account's token let it start and complete an upload after the deletion retired
      // its public files, and that one stayed public until the purge (found in review, 2026-12-07).
      .where(({ exists, selectFrom }) =>
        exists(
          selectFrom('users')
            .select('users.id')
            .whereRef('users.id', '=', 'files.userId')
            .where('users.deletedAt', 'is', null),
        ),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Deletes the row and clears it as its owner's avatar, in one transaction. */
  async delete(id: string): Promise<void> {
    const db = await this.database.get();
    await db.transaction().execute(async (trx) => {
      const file = await trx.selectFrom('files').select('userId').where('id', '=', id).executeTakeFirst();
      if (file) await clearAvatar(trx, file.userId, id);
      await trx.deleteFrom('files').where('id', '=', id).execute();
    });
  }

  /**
   * Turns the file into a tombstone and clears it as anyone's avatar, in one transaction: for a
   * file deleted while its upload URL is still valid, whose object a client could PUT again, or a
   * replaced avatar (inside `within`, the profile's transaction).
   */
  async markDeleted(id: string, within?: Database): Promise<void> {
    await this.database.transaction(async (trx) => {
      // Only its owner can have it as avatar. The owner's row is locked first (every transaction
      // that changes an avatar locks the user, then the file): a profile change choosing this file
      // that has not committed yet is waited for and then seen, where the update alone, on
      // PostgreSQL, skipped the row it still read with the old avatar (found in review: the profile
      // then pointed at a tombstone).
      const file = await trx.selectFrom('files').select('userId').where('id', '=', id).executeTakeFirst();
      if (file) {
        await trx.selectFrom('users').select('id').where('id', '=', file.userId).forUpdate().execute();
        await clearAvatar(trx, file.userId, id);
      }
      await trx.updateTable('files').set({ status: 'deleted' }).where('id', '=', id).execute();
    }, within);
  }

  /**
   * Takes an expired file for removal: locks its row and, if it is still expired (a pending upload
   * or temp file created before `cutoffs.upload`, a tombstone before `cutoffs.tombstone`), makes it
   * a tombstone no longer anyone's avatar. False when it is not: an upload completed since the
   * cleanup listed it stays, and a completion racing the cleanup either lands first (and the file
   * stays) or finds a tombstone.
   */
  async claimExpired(id: string, cutoffs: ExpiryCutoffs): Promise<boolean> {
    return this.database.transaction(async (trx) => {
      // The owner's row first, then the file's, the order of every other path here: the file's
      // first deadlocked with its owner deleting it at the same moment (found in review,
      // 2026-12-07; PostgreSQL's 40P01, and the owner's request answered 500).
      const owner = await trx.selectFrom('files').select('userId').where('id', '=', id).executeTakeFirst();
      if (!owner) return false;
      await trx.selectFrom('users').select('id').where('id', '=', owner.userId).forUpdate().execute();
      const row = await trx
        .selectFrom('files')
        .select(['status', 'purpose', 'createdAt'])
        .where('id', '=', id)
        .forUpdate()
        .executeTakeFirst();
      const expired =
        row !== undefined &&
        (row.status === 'deleted'
          ? row.createdAt < cutoffs.tombstone
          : row.createdAt < cutoffs.upload && (row.status === 'pending' || row.purpose === 'temp'));
      if (!expired || row.status === 'deleted') return expired;
      await this.markDeleted(id, trx);
      return true;
    });
  }

  /**
   * Turns every ready or pending file of `userId` with one of `purposes` into a tombstone and clears the
   * user's avatar, inside `trx`; returns the files (their objects are the caller's to delete).
   */
  async markAllDeleted(
    userId: string,
    purposes: readonly FilePurpose[],
    trx: Database,
  ): Promise<LiveFileRow[]> {
    // Pending ones too: a completion racing the account's deletion would otherwise turn one ready
    // after this ran, served from the bucket until the purge (found in review, 2026-12-07). As a
    // tombstone, its completion finds no pending row.
    const rows = (await trx
      .selectFrom('files')
      .selectAll()
      .where('userId', '=', userId)
      .where('purpose', 'in', [...purposes])
      .where('status', 'in', ['ready', 'pending'])
      .forUpdate()
      .execute()) as LiveFileRow[];
    if (rows.length === 0) return rows;
    await trx.updateTable('users').set({ avatarFileId: null }).where('id', '=', userId).execute();
    await trx
      .updateTable('files')
      .set({ status: 'deleted' })
      .where(
        'id',
        'in',
        rows.map((row) => row.id),
      )
      .execute();
    return rows;
  }

  /** Every row of a user, tombstones included (account purge). */
  async listByUser(userId: string, limit: number): Promise<FileRow[]> {
    const db = await this.database.get();
    return db.selectFrom('files').selectAll().where('userId', '=', userId).limit(limit).execute();
  }

  /** Pending uploads and temp files created before `cutoffs.upload`, tombstones before `cutoffs.tombstone`, oldest first. */
  async listExpired(cutoffs: ExpiryCutoffs, limit: number): Promise<FileRow[]> {
    const db = await this.database.get();
    return db
      .selectFrom('files')
      .selectAll()
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'deleted'), eb('createdAt', '<', cutoffs.tombstone)]),
          eb.and([
            eb('createdAt', '<', cutoffs.upload),
            eb.or([eb('status', '=', 'pending'), eb('purpose', '=', 'temp')]),
          ]),
        ]),
      )
      .orderBy('createdAt')
      .limit(limit)
      .execute();
  }
}

/**
 * When rows become the cleanup job's: a pending upload or temp file once `upload` passed (a client
 * may still complete an upload it made in time), a tombstone once `tombstone` passed, which is
 * when no upload URL of it can still put an object there.
 */
export interface ExpiryCutoffs {
  readonly upload: Date;
  readonly tombstone: Date;
}

/**
 * Clears `fileId` as the avatar of `userId`, its owner (only the owner can hold it). By the owner's
 * id: matched by `avatar_file_id` alone, which no index serves, MySQL's update locked every user row
 * it scanned, and two users changing avatars at once deadlocked (found in review, 2026-12-07).
 */
async function clearAvatar(trx: Database, userId: string, fileId: string): Promise<void> {
  await trx
    .updateTable('users')
    .set({ avatarFileId: null })
    .where('id', '=', userId)
    .where('avatarFileId', '=', fileId)
    .execute();
}
