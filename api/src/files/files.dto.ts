import { type DtoType, dto } from '../common/validation/dto-schema.js';
import type { LiveFileRow } from '../database/database.types.js';
import { PURPOSE_NAMES, STORAGE_KEY_PATTERN } from './file-purposes.js';

// Schemas are DTO definitions, built on first use rather than at import (why: auth.dto.ts).

export const CreateUploadSchema = dto((z) =>
  z
    .object({
      purpose: z
        .enum(PURPOSE_NAMES)
        .describe('Decides the allowed types, the size limit and who may read the file.'),
      contentType: z
        .string()
        .trim()
        .toLowerCase()
        .max(100)
        .describe('MIME type of the file, e.g. image/png; the upload must send exactly this Content-Type.'),
      size: z
        .number()
        .int()
        .min(1, 'must be at least 1 byte')
        .max(Number.MAX_SAFE_INTEGER)
        .describe('Exact length in bytes; the upload must send exactly this Content-Length.'),
    })
    .strict()
    .describe('A file the client is about to upload straight to storage.'),
);
export type CreateUploadDto = DtoType<typeof CreateUploadSchema>;

const unixSeconds = dto((z) => z.string().regex(/^\d{1,12}$/, 'must be unix seconds'));
const signature = dto((z) => z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be a signature'));
const storageKey = dto((z) => z.string().regex(STORAGE_KEY_PATTERN, 'must be a storage key'));

/** The query of a local-driver upload URL, as `LocalStorageRepository.presignUpload` builds it. */
export const LocalUploadQuerySchema = dto((z) =>
  z.object({
    key: storageKey.zod,
    type: z.string().max(100),
    size: z.string().regex(/^\d{1,15}$/, 'must be a byte count'),
    expires: unixSeconds.zod,
    sig: signature.zod,
  }),
);
export type LocalUploadQuery = DtoType<typeof LocalUploadQuerySchema>;

/** The query of a local-driver download URL. */
export const LocalDownloadQuerySchema = dto((z) =>
  z.object({ key: storageKey.zod, expires: unixSeconds.zod, sig: signature.zod }),
);
export type LocalDownloadQuery = DtoType<typeof LocalDownloadQuerySchema>;

// ---------------------------------------------------------------- responses

export const UploadSchema = dto((z) =>
  z.object({
    fileId: z.uuid(),
    upload: z.object({
      url: z.string().describe('Absolute URL to send the bytes to.'),
      method: z.literal('PUT'),
      headers: z
        .record(z.string(), z.string())
        .describe('Send these headers exactly (HTTP clients set Content-Length from the body).'),
    }),
    key: z.string().describe('Where the object lives in storage.'),
    expiresAt: z.iso.datetime().describe('The upload URL stops working at this time.'),
  }),
);
export type UploadDto = DtoType<typeof UploadSchema>;

export const FileSchema = dto((z) =>
  z.object({
    id: z.uuid(),
    purpose: z.enum(PURPOSE_NAMES),
    contentType: z.string(),
    size: z.number().int(),
    status: z.enum(['pending', 'ready']),
    key: z.string(),
    url: z.string().nullable().describe('Absolute URL anyone can read, for public purposes once ready.'),
    createdAt: z.iso.datetime(),
    completedAt: z.iso.datetime().nullable(),
  }),
);
export type FileDto = DtoType<typeof FileSchema>;

/** The file as the API shows it; `url` is given by the service (public purposes only). */
export function mapFile(file: LiveFileRow, url: string | null): FileDto {
  return {
    id: file.id,
    purpose: file.purpose,
    contentType: file.contentType,
    size: file.size,
    status: file.status,
    key: file.storageKey,
    url,
    createdAt: file.createdAt.toISOString(),
    completedAt: file.completedAt?.toISOString() ?? null,
  };
}
