import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import {
  type FileHandle,
  mkdir,
  open as openFile,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Inject, Injectable } from '@nestjs/common';
import { keptSecret } from '../common/crypto/kept-secret.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { ByteRange } from './byte-range.js';
import { STORAGE_KEY_PATTERN } from './file-purposes.js';
import {
  type PresignedUpload,
  StorageRepository,
  type StoredObject,
  type UploadRequest,
  type Validity,
} from './storage.repository.js';

const KEY_FILE = 'storage-signing.key';
/** Path of the app's own signed PUT/GET route (see `LocalStorageController`). */
export const LOCAL_STORAGE_PATH = '/files/local';

/** The fields a local signed URL binds; empty strings for what a GET does not carry. */
export interface SignedFields {
  readonly method: 'PUT' | 'GET';
  readonly key: string;
  readonly contentType: string;
  readonly size: string;
  /** Unix seconds. */
  readonly expires: string;
}

/** An object opened for reading: all of it, or `range` of its `size` bytes. */
export interface OpenedObject extends StoredObject {
  readonly stream: Readable;
  readonly contentType: string;
  readonly range?: ByteRange;
}

class TooManyBytes extends Error {}

/**
 * Files on local disk (DATA_DIR/uploads/…, keyed like S3) for development and single-machine
 * deployments. Upload and download URLs point at the API itself and carry an HMAC-SHA256 over
 * method, key, content type, length and expiry, so clients follow exactly the S3 flow. The HMAC key
 * is STORAGE_SIGNING_SECRET or 32 random bytes generated once under DATA_DIR.
 */
@Injectable()
export class LocalStorageRepository extends StorageRepository {
  private key: Promise<Buffer> | undefined;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    super();
  }

  async presignUpload(request: UploadRequest): Promise<PresignedUpload> {
    const expires = expiresAt(request);
    const fields: SignedFields = {
      method: 'PUT',
      key: request.key,
      contentType: request.contentType,
      size: String(request.size),
      expires: String(expires),
    };
    const query = new URLSearchParams({
      key: fields.key,
      type: fields.contentType,
      size: fields.size,
      expires: fields.expires,
      sig: await this.sign(fields),
    });
    return {
      url: `${this.config.apiBaseUrl}${LOCAL_STORAGE_PATH}?${query}`,
      method: 'PUT',
      headers: { 'Content-Type': request.contentType, 'Content-Length': String(request.size) },
      expiresAt: new Date(expires * 1000),
    };
  }

  async presignDownload(key: string, validity: Validity): Promise<string> {
    const fields: SignedFields = {
      method: 'GET',
      key,
      contentType: '',
      size: '',
      expires: String(expiresAt(validity)),
    };
    const query = new URLSearchParams({ key, expires: fields.expires, sig: await this.sign(fields) });
    return `${this.config.apiBaseUrl}${LOCAL_STORAGE_PATH}?${query}`;
  }

  /**
   * Whether `signature` is exactly the one this server issues for these fields (constant-time
   * comparison of the text). Decoding first would also accept other spellings of the same bytes:
   * the last character of base64url's 43 carries two unused bits, and the decoder skips characters
   * outside its alphabet, so an altered URL could still pass.
   */
  async verify(fields: SignedFields, signature: string): Promise<boolean> {
    const expected = Buffer.from(await this.sign(fields));
    const presented = Buffer.from(signature);
    return presented.length === expected.length && timingSafeEqual(presented, expected);
  }

  async head(key: string): Promise<StoredObject | undefined> {
    const path = this.pathOf(key);
    try {
      const [stats, contentType] = await Promise.all([stat(path), readContentType(path)]);
      return { size: stats.size, contentType };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  /**
   * Streams `body` to a temporary file and renames it into place only when exactly `size` bytes
   * arrived, so a short, long or aborted upload never leaves a partial object. False when the body
   * was not exactly `size` bytes; a failure to store it (disk full, read-only, unusable directory)
   * is thrown, as it is no fault of the client's. True also when the key was deleted while the
   * body arrived: the upload counts as stored and deleted at once, and leaves nothing.
   */
  async write(key: string, contentType: string, size: number, body: Readable): Promise<boolean> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${randomBytes(6).toString('hex')}.part`;
    let received = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        received += chunk.length;
        callback(received > size ? new TooManyBytes() : null, chunk);
      },
    });
    try {
      await pipeline(body, limit, createWriteStream(temporary, { flags: 'wx', mode: 0o600 }));
      if (received !== size) {
        await rm(temporary, { force: true });
        return false;
      }
      const recorded = await writeContentType(path, contentType);
      if (!recorded || !(await renameUnlessDeleted(temporary, path))) {
        // delete(key) removed the partial files while the body arrived (the file was deleted during
        // its upload): as with S3 when a DELETE follows the PUT, it was stored and deleted, so
        // nothing of it may stay, not even the metadata written just now.
        await rm(temporary, { force: true });
        await rm(metaPath(path), { force: true });
      }
      return true;
    } catch (error) {
      await rm(temporary, { force: true });
      // pipeline() destroys every stream whichever failed, so only the error tells whose it was.
      if (error instanceof TooManyBytes || isCutOff(error)) return false;
      throw error;
    }
  }

  /**
   * The object as a stream with its size and type, or undefined when it does not exist. Size and
   * bytes come from one descriptor, opened first: an object deleted or replaced meanwhile is
   * served whole as it was when opened, or not found, never failed halfway. The stream closes the
   * descriptor when it ends, fails or is destroyed (an aborted download, a HEAD request).
   */
  async open(
    key: string,
    range?: (size: number) => ByteRange | undefined,
  ): Promise<OpenedObject | undefined> {
    const path = this.pathOf(key);
    let handle: FileHandle;
    try {
      handle = await openFile(path, 'r');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    try {
      const [stats, contentType] = await Promise.all([handle.stat(), readContentType(path)]);
      // Decided on the size of this descriptor's file, so the range and the bytes agree.
      const bytes = range?.(stats.size);
      return {
        size: stats.size,
        contentType: contentType ?? 'application/octet-stream',
        stream: handle.createReadStream(bytes ? { start: bytes.start, end: bytes.end } : {}),
        ...(bytes ? { range: bytes } : {}),
      };
    } catch (error) {
      await handle.close();
      // The metadata goes right after the object: without it, the object was deleted meanwhile.
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  /**
   * Deletes the object, its metadata and the partial files of its uploads (`<name>.<hex>.part`),
   * which `write` removes itself but a process killed midway leaves behind. The cleanup job and the
   * account purge delete only keys whose upload URLs expired well before (unfinished uploads older
   * than 24 h, tombstones older than 2 h, accounts deleted 30 days ago; a URL lives at most an
   * hour), so an upload of them is still running only if it has taken over an hour, and then finds
   * its partial file gone (see `write`). Other deletes (`DELETE /files/:id`, a replaced avatar) can race an upload of the key
   * with a URL still valid: that upload then finds its partial file gone (see `write`).
   */
  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    // Partial files first, then the object and its metadata: an upload that puts its files in
    // place after the partial files are gone fails its rename and removes what it wrote; one that
    // did so before loses them to the removals below. The other order left an upload whose
    // renames landed between the removals and the listing stored after a 204 (found in review,
    // 2026-12-07).
    await this.removePartialFiles(path);
    await rm(path, { force: true });
    await rm(metaPath(path), { force: true });
  }

  private async removePartialFiles(path: string): Promise<void> {
    const directory = dirname(path);
    const prefix = `${basename(path)}.`;
    let names: string[];
    try {
      names = await readdir(directory);
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    const parts = names.filter((name) => name.startsWith(prefix) && name.endsWith('.part'));
    await Promise.all(parts.map((name) => rm(join(directory, name), { force: true })));
  }

  publicUrl(): undefined {
    return undefined;
  }

  private pathOf(key: string): string {
    // Keys come from signed URLs or the database, but a path outside DATA_DIR must be impossible.
    if (!STORAGE_KEY_PATTERN.test(key)) throw new Error(`Not a storage key: ${key}`);
    return join(this.config.dataDir, key);
  }

  private async sign(fields: SignedFields): Promise<string> {
    const payload = [fields.method, fields.key, fields.contentType, fields.size, fields.expires].join('\n');
    return createHmac('sha256', await this.signingKey())
      .update(payload)
      .digest('base64url');
  }

  private signingKey(): Promise<Buffer> {
    this.key ??= this.loadSigningKey();
    return this.key;
  }

  private async loadSigningKey(): Promise<Buffer> {
    const storage = this.config.storage;
    if (storage.driver === 'local' && storage.signingSecret !== undefined) {
      return Buffer.from(storage.signingSecret, 'utf8');
    }
    const kept = await keptSecret(this.config.dataDir, KEY_FILE, () => randomBytes(32).toString('hex'), {
      pattern: /^[0-9a-f]{64}$/i,
      description: '64 hexadecimal characters (a 32-byte key)',
    });
    return Buffer.from(kept.trim(), 'hex');
  }
}

function expiresAt(validity: Validity): number {
  return Math.floor(validity.signedAt.getTime() / 1000) + validity.expiresInSeconds;
}

function metaPath(path: string): string {
  return `${path}.meta.json`;
}

/**
 * Records the content type beside the object at `path`, written aside and renamed into place (false
 * when the key was deleted meanwhile): an upload URL may be used again while the object is read,
 * and a file rewritten in place is empty for a moment, which a reader parsed as a SyntaxError, a
 * 500 (found in review, 2026-12-07).
 */
async function writeContentType(path: string, contentType: string): Promise<boolean> {
  const temporary = `${metaPath(path)}.${randomBytes(6).toString('hex')}.part`;
  try {
    await writeFile(temporary, JSON.stringify({ contentType }), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  // False when delete(key) removed it meanwhile (it removes the key's `.part` files).
  return renameUnlessDeleted(temporary, metaPath(path));
}

/** The content type `write` recorded beside the object at `path` (rejects with ENOENT without one). */
async function readContentType(path: string): Promise<string | undefined> {
  const { contentType } = JSON.parse(await readFile(metaPath(path), 'utf8')) as { contentType?: string };
  return contentType;
}

/** Renames `from` to `to`; false when `from` is gone (removed by `delete` meanwhile). */
async function renameUnlessDeleted(from: string, to: string): Promise<boolean> {
  try {
    await rename(from, to);
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/** Whether the request body ended before its last byte: closed early, or its connection reset. */
function isCutOff(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET';
}
