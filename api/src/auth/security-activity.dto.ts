import { type DtoType, dto } from '../common/validation/dto-schema.js';
import { PageCursorSchema } from '../common/validation/page-cursor.dto.js';
import { SECURITY_EVENT_TYPES } from '../database/database.types.js';

// Schemas are DTO definitions, built on first use rather than at import (why: auth.dto.ts).

export const SecurityActivityQuerySchema = dto((z) =>
  z.object({
    cursor: PageCursorSchema.zod.optional().describe('nextCursor of the previous page.'),
    limit: z.coerce.number().int().min(1).max(100).default(20),
  }),
);
export type SecurityActivityQuery = DtoType<typeof SecurityActivityQuerySchema>;

export const SecurityEventSchema = dto((z) =>
  z.object({
    id: z.uuid(),
    type: z.enum(SECURITY_EVENT_TYPES),
    createdAt: z.iso.datetime(),
    ip: z
      .string()
      .nullable()
      .describe('Where the request came from; null for what an administrator or the system did.'),
    userAgent: z.string().nullable(),
    detail: z
      .string()
      .nullable()
      .describe(
        'signed_in and sign_in_failed: the method (password, passkey, authenticator, …); passkey_* and api_key_*: the name; role_changed: the new role.',
      ),
    byAdmin: z.boolean().describe('An administrator made this change.'),
  }),
);
export type SecurityEventDto = DtoType<typeof SecurityEventSchema>;

export const SecurityActivityPageSchema = dto((z) =>
  z.object({
    items: z.array(SecurityEventSchema.zod),
    nextCursor: z.string().nullable().describe('Pass as cursor for the next page; null on the last page.'),
  }),
);
export type SecurityActivityPageDto = DtoType<typeof SecurityActivityPageSchema>;
