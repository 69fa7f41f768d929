import type { FilePurpose } from '../database/database.types.js';

/** The rules the server enforces for one purpose (see docs/files.md for the table). */
export interface PurposeRules {
  /** Key prefix; objects live at `{prefix}/{userId}/{uuid}.{ext}`. */
  readonly prefix: string;
  readonly contentTypes: readonly string[];
  readonly maxBytes: number;
  /** Readable by anyone once complete (avatars in public profiles); otherwise owner and admins only. */
  readonly public: boolean;
}

const MiB = 1024 * 1024;
const IMAGES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif'] as const;

/** What may be uploaded for each purpose; the prefixes are seed 004's bucket layout. */
export const FILE_PURPOSES: Readonly<Record<FilePurpose, PurposeRules>> = {
  avatar: { prefix: 'uploads/users', contentTypes: IMAGES, maxBytes: 5 * MiB, public: true },
  story: {
    prefix: 'uploads/stories',
    contentTypes: [...IMAGES, 'video/mp4'],
    maxBytes: 100 * MiB,
    public: true,
  },
  channel: { prefix: 'uploads/channels', contentTypes: IMAGES, maxBytes: 10 * MiB, public: true },
  temp: { prefix: 'uploads/temp', contentTypes: IMAGES, maxBytes: 25 * MiB, public: false },
};

export const PURPOSE_NAMES = Object.keys(FILE_PURPOSES) as [FilePurpose, ...FilePurpose[]];

/** File extensions by content type; the key's extension always matches the signed content type. */
export const EXTENSIONS: Readonly<Record<string, string>> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'video/mp4': 'mp4',
};

/**
 * Every key the API issues: prefix, owner id, file id, extension. Anything else is refused before
 * it reaches a storage driver (no path traversal on local disk).
 */
export const STORAGE_KEY_PATTERN =
  /^uploads\/(users|stories|channels|temp)\/[0-9a-f-]{36}\/[0-9a-f-]{36}\.(jpg|png|webp|gif|mp4)$/;

/** Unfinished uploads and temp files are removed after this long (S3 lifecycle rule on AWS, the job locally). */
export const UPLOAD_RETENTION_MS = 24 * 60 * 60 * 1000;

/**
 * A tombstone (a deleted file's row) is kept this long after its upload started, for the cleanup
 * job to delete an object a late upload puts under its key: the longest upload URL the settings
 * allow (`UPLOAD_URL_TTL_SECONDS` ≤ 1 h, not the current setting, which may have been lowered
 * since the URL was issued) and an hour for an upload begun just before the URL expired to arrive
 * (storage checks the expiry when an upload starts, not when it ends). Until 2026-12-07 it was
 * the uploads' 24 h, so a public upload put after its account's deletion stayed readable from the
 * bucket for up to a day (found in review).
 */
export const TOMBSTONE_RETENTION_MS = 2 * 60 * 60 * 1000;

/** The media type without parameters, lower-cased: `image/PNG; x=y` → `image/png`. */
export function mediaType(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase();
}
