import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AuthContext } from '../auth/auth-context.js';
import { ClockRepository } from '../common/clock/clock.repository.js';
import { CryptoRepository } from '../common/crypto/crypto.repository.js';
import { AppError } from '../common/errors/app-error.js';
import { LOGGER } from '../common/logging/logger.module.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { Database } from '../database/database.factory.js';
import type { FileRow, LiveFileRow } from '../database/database.types.js';
import {
  EXTENSIONS,
  FILE_PURPOSES,
  mediaType,
  PURPOSE_NAMES,
  TOMBSTONE_RETENTION_MS,
  UPLOAD_RETENTION_MS,
} from './file-purposes.js';
import { type CreateUploadDto, type FileDto, mapFile, type UploadDto } from './files.dto.js';
import { FilesRepository } from './files.repository.js';
import { StorageRepository } from './storage.repository.js';

/** Who is asking: a user id and role (bearer tokens and API keys alike). */
type Caller = Pick<AuthContext, 'userId' | 'role'>;

const BATCH = 100;
/** The purposes anyone may read (from the bucket itself when S3_PUBLIC_BASE_URL is set). */
const PUBLIC_PURPOSES = PURPOSE_NAMES.filter((purpose) => FILE_PURPOSES[purpose].public);
/**
 * How many retired objects a request deletes itself ({@link deleteRetiredObjects}); the cleanup
 * job removes the rest from their tombstones (those of files uploaded in the last 24 h at its first
 * run after that), so a request is not held by an account with thousands of files.
 */
const OBJECTS_PER_REQUEST = 100;

/**
 * Direct-to-storage uploads: the API validates what the client declares (purpose, type, size),
 * records a pending file and hands out a presigned PUT bound to that type and length; the client
 * uploads straight to storage, then `complete` checks the object with a HEAD and marks it ready.
 * Reads redirect to short-lived presigned GETs, or to the public URL for public purposes.
 */
@Injectable()
export class FilesService {
  constructor(
    @Inject(FilesRepository) private readonly files: FilesRepository,
    @Inject(StorageRepository) private readonly storage: StorageRepository,
    @Inject(ClockRepository) private readonly clock: ClockRepository,
    @Inject(CryptoRepository) private readonly crypto: CryptoRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async createUpload(caller: Caller, dto: CreateUploadDto): Promise<UploadDto> {
    const rules = FILE_PURPOSES[dto.purpose];
    const extension = EXTENSIONS[dto.contentType];
    if (!rules.contentTypes.includes(dto.contentType) || extension === undefined) {
      throw new AppError(
        'FILE_TYPE_NOT_ALLOWED',
        `${dto.purpose} files must be one of ${rules.contentTypes.join(', ')}.`,
        { allowed: rules.contentTypes },
      );
    }
    if (dto.size > rules.maxBytes) {
      throw new AppError('FILE_TOO_LARGE', `${dto.purpose} files may be at most ${rules.maxBytes} bytes.`, {
        maxBytes: rules.maxBytes,
      });
    }
    const now = this.clock.now();
    const id = this.crypto.uuid();
    const key = `${rules.prefix}/${caller.userId}/${id}.${extension}`;
    // Signed before the row is written: a signing failure (credentials that cannot be resolved)
    // then leaves no pending row behind.
    const upload = await this.storage.presignUpload({
      key,
      contentType: dto.contentType,
      size: dto.size,
      signedAt: now,
      expiresInSeconds: this.config.storage.uploadUrlTtlSeconds,
    });
    await this.files.create({
      id,
      userId: caller.userId,
      purpose: dto.purpose,
      storageKey: key,
      contentType: dto.contentType,
      size: dto.size,
      status: 'pending',
      createdAt: now,
      completedAt: null,
    });
    return {
      fileId: id,
      upload: { url: upload.url, method: upload.method, headers: upload.headers },
      key,
      expiresAt: upload.expiresAt.toISOString(),
    };
  }

  /** Checks the uploaded object (HEAD) against what was declared and marks the file ready. Owner only. */
  async complete(caller: Caller, id: string): Promise<FileDto> {
    const file = await this.files.findById(id);
    if (!file || file.userId !== caller.userId) throw new AppError('FILE_NOT_FOUND');
    if (file.status === 'ready') return mapFile(file, this.publicUrlOf(file));
    const object = await this.storage.head(file.storageKey);
    if (!object) throw new AppError('FILE_NOT_UPLOADED');
    if (object.size !== file.size || mediaType(object.contentType) !== file.contentType) {
      // Not what was declared (possible only where storage does not enforce the signature): never serve it.
      await this.storage.delete(file.storageKey);
      throw new AppError('FILE_UPLOAD_MISMATCH', undefined, {
        expected: { size: file.size, contentType: file.contentType },
        actual: { size: object.size, contentType: object.contentType ?? null },
      });
    }
    const completedAt = this.clock.now();
    if (!(await this.files.markReady(file.id, completedAt))) {
      // Completed by a concurrent call meanwhile, or deleted: answer with what the row says now.
      const current = await this.files.findById(file.id);
      if (current?.status !== 'ready') throw new AppError('FILE_NOT_FOUND');
      return mapFile(current, this.publicUrlOf(current));
    }
    const ready: LiveFileRow = { ...file, status: 'ready', completedAt };
    return mapFile(ready, this.publicUrlOf(ready));
  }

  /**
   * Where to read a file: owners and admins any ready file, everyone signed in the ready files of
   * public purposes. Others' private files, and their public ones until ready, are "not found",
   * so ids reveal nothing.
   */
  async downloadUrl(caller: Caller, id: string): Promise<{ url: string }> {
    let file = await this.files.findById(id);
    if (file && file.userId !== caller.userId && caller.role !== 'admin') {
      const visible = FILE_PURPOSES[file.purpose].public
        ? await this.files.findWithActiveOwner(id)
        : undefined;
      file = visible?.status === 'ready' ? visible : undefined;
    }
    if (!file) throw new AppError('FILE_NOT_FOUND');
    if (file.status !== 'ready') throw new AppError('FILE_NOT_UPLOADED');
    return { url: await this.readUrl(file) };
  }

  /** Where anyone (an `<img>` without credentials) reads a ready file of a public purpose. */
  async publicContentUrl(id: string): Promise<{ url: string }> {
    const file = await this.files.findWithActiveOwner(id);
    if (file?.status !== 'ready' || !FILE_PURPOSES[file.purpose].public) {
      throw new AppError('FILE_NOT_FOUND');
    }
    return { url: await this.readUrl(file) };
  }

  /**
   * Deletes the object (owner or admin); the record stays as a tombstone, which no lookup returns,
   * until the cleanup job deletes the object again and the tombstone with it (2 h after the
   * upload started, `TOMBSTONE_RETENTION_MS`). A presigned PUT cannot be revoked, and its expiry is checked when the PUT
   * starts, not when it ends: an upload that began just before the URL expired may land after a
   * delete, and without the row the object would be out of reach of the cleanup job and of an
   * account purge for good.
   */
  async remove(caller: Caller, id: string): Promise<void> {
    const file = await this.files.findById(id);
    if (!file || (file.userId !== caller.userId && caller.role !== 'admin'))
      throw new AppError('FILE_NOT_FOUND');
    await this.storage.delete(file.storageKey);
    await this.files.markDeleted(file.id);
  }

  /**
   * Retires a user's replaced avatar inside `trx`, the transaction that points the profile at the
   * new one: the row becomes a tombstone (no longer served), so the profile never points at a
   * deleted file and a replaced one is never left live. Its object goes after the commit
   * ({@link deleteRetired}); whatever that leaves, the cleanup job removes from the tombstone.
   */
  async retire(file: LiveFileRow, trx: Database): Promise<void> {
    await this.files.markDeleted(file.id, trx);
  }

  /**
   * Retires every ready or pending public file (avatar, stories, channel images) of an account being deleted,
   * inside `trx`, its deletion's transaction. The API stops serving them with the account anyway,
   * but with S3_PUBLIC_BASE_URL their objects are read straight from the bucket, which knows
   * nothing of accounts: they must go now, not at the purge 30 days later (found in review).
   * Returns them for {@link deleteRetiredObjects} after the commit.
   */
  retirePublicFilesOf(userId: string, trx: Database): Promise<LiveFileRow[]> {
    return this.files.markAllDeleted(userId, PUBLIC_PURPOSES, trx);
  }

  /** {@link deleteRetired} for each of `files`, up to {@link OBJECTS_PER_REQUEST} of them. */
  async deleteRetiredObjects(files: readonly LiveFileRow[]): Promise<void> {
    for (const file of files.slice(0, OBJECTS_PER_REQUEST)) await this.deleteRetired(file);
  }

  /**
   * Deletes a retired file's object; its tombstone stays for the cleanup job (as `remove`). A
   * failure is logged: the cleanup job retries from the tombstone.
   */
  async deleteRetired(file: LiveFileRow): Promise<void> {
    try {
      await this.storage.delete(file.storageKey);
    } catch (error) {
      this.logger.warn(
        { err: error, fileId: file.id },
        'could not delete a retired file; cleanup will retry',
      );
    }
  }

  /** A user's own live file, or undefined (read in `within`, a transaction, when given). */
  async ownFile(userId: string, fileId: string, within?: Database): Promise<LiveFileRow | undefined> {
    const file = await this.files.findById(fileId, within);
    return file?.userId === userId ? file : undefined;
  }

  /**
   * The caller's own ready avatar, for `PATCH /users/me {avatarFileId}`. Within the profile
   * change's transaction (`within`) its row is locked: a delete racing the change either waits for
   * it (and then clears the avatar) or is seen here.
   */
  async readyAvatar(userId: string, fileId: string, within?: Database): Promise<LiveFileRow> {
    const found = within ? await this.files.lockById(fileId, within) : await this.files.findById(fileId);
    const file = found?.userId === userId ? found : undefined;
    if (!file) throw new AppError('FILE_NOT_FOUND');
    if (file.purpose !== 'avatar') throw new AppError('FILE_NOT_AN_AVATAR');
    if (file.status !== 'ready') throw new AppError('AVATAR_NOT_READY');
    return file;
  }

  /** The absolute URL that serves a file to anyone, or null (not public, not ready or missing). */
  async publicUrlOfId(fileId: string | null): Promise<string | null> {
    if (fileId === null) return null;
    const file = await this.files.findById(fileId);
    return file ? this.publicUrlOf(file) : null;
  }

  publicUrlOf(file: FileRow): string | null {
    if (!FILE_PURPOSES[file.purpose].public || file.status !== 'ready') return null;
    return this.storage.publicUrl(file.storageKey) ?? `${this.config.apiBaseUrl}/files/${file.id}/content`;
  }

  /**
   * Deletes every file of a user (account purge). `mayContinue` is asked before each file (a
   * scheduled run's deadline, `MaintenanceService`): an account with thousands of files must not
   * hold a run past its time. `complete` is false when it answered no; the next run goes on from
   * the files left (each is deleted object first, then row, so none is half gone).
   */
  async removeAllOf(
    userId: string,
    mayContinue: () => boolean = () => true,
  ): Promise<{ removed: number; complete: boolean }> {
    let removed = 0;
    for (;;) {
      const batch = await this.files.listByUser(userId, BATCH);
      if (batch.length === 0) return { removed, complete: true };
      for (const file of batch) {
        if (!mayContinue()) return { removed, complete: false };
        await this.destroy(file);
        removed++;
      }
    }
  }

  /**
   * Removes uploads never completed and temp files older than 24 h (on S3 a lifecycle rule also
   * expires the objects; this keeps the table in step). One failure is logged and skipped. Returns
   * how many were removed, and the ids of those that could not be. `mayContinue` is asked before
   * each listing and each file; `false` stops the cleanup there, the rest left for the next run (a
   * maintenance run at its deadline).
   */
  async cleanupExpired(
    mayContinue: () => boolean = () => true,
  ): Promise<{ removed: number; failed: string[] }> {
    const now = this.clock.now().getTime();
    const cutoffs = {
      upload: new Date(now - UPLOAD_RETENTION_MS),
      tombstone: new Date(now - TOMBSTONE_RETENTION_MS),
    };
    let removed = 0;
    const failed = new Set<string>();
    const result = () => ({ removed, failed: [...failed] });
    for (;;) {
      if (!mayContinue()) return result();
      const batch = (await this.files.listExpired(cutoffs, BATCH + failed.size)).filter(
        (f) => !failed.has(f.id),
      );
      if (batch.length === 0) return result();
      for (const file of batch) {
        // A batch is 100 files (each a storage call), far more than one check ahead could answer for.
        if (!mayContinue()) return result();
        try {
          // Found in review: an upload completed after the listing was deleted with the rest.
          if (!(await this.files.claimExpired(file.id, cutoffs))) continue;
          await this.destroy(file);
          removed++;
        } catch (error) {
          failed.add(file.id);
          this.logger.warn({ err: error, fileId: file.id }, 'could not remove an expired file; will retry');
        }
      }
    }
  }

  private async destroy(file: FileRow): Promise<void> {
    // Object first: if storage fails the row stays, so the deletion can be retried.
    await this.storage.delete(file.storageKey);
    await this.files.delete(file.id);
  }

  private async readUrl(file: FileRow): Promise<string> {
    const publicUrl = FILE_PURPOSES[file.purpose].public
      ? this.storage.publicUrl(file.storageKey)
      : undefined;
    return (
      publicUrl ??
      this.storage.presignDownload(file.storageKey, {
        signedAt: this.clock.now(),
        expiresInSeconds: this.config.storage.downloadUrlTtlSeconds,
      })
    );
  }
}
