import { ReauthenticationSchema, UsernameSchema } from '../auth/auth.dto.js';
import {
  MULTI_LINE_TEXT,
  MULTI_LINE_TEXT_MESSAGE,
  SINGLE_LINE_TEXT,
  SINGLE_LINE_TEXT_MESSAGE,
} from '../common/validation/display-text.js';
import { type DtoType, dto } from '../common/validation/dto-schema.js';
import { PageCursorSchema } from '../common/validation/page-cursor.dto.js';

// Schemas are DTO definitions, built on first use rather than at import (why: auth.dto.ts).

export const UpdateMeSchema = dto((z) =>
  z
    .object({
      displayName: z
        .string()
        .trim()
        .max(100)
        .regex(SINGLE_LINE_TEXT, SINGLE_LINE_TEXT_MESSAGE)
        .nullable()
        .optional()
        .describe('Shown instead of the username; null clears it.'),
      bio: z
        .string()
        .trim()
        .max(500)
        .regex(MULTI_LINE_TEXT, MULTI_LINE_TEXT_MESSAGE)
        .nullable()
        .optional()
        .describe('Up to 500 characters; null clears it.'),
      username: UsernameSchema.zod.optional(),
      avatarFileId: z
        .uuid({ message: 'must be a UUID' })
        .toLowerCase()
        .nullable()
        .optional()
        .describe(
          'A completed avatar upload of yours (POST /files/uploads, purpose "avatar"); null removes it.',
        ),
    })
    .strict()
    .describe('Profile fields to change; omitted fields stay as they are.'),
);
export type UpdateMeDto = DtoType<typeof UpdateMeSchema>;

export const AdminUsersQuerySchema = dto((z) =>
  z.object({
    query: z
      .string()
      .trim()
      .toLowerCase()
      .max(320)
      .optional()
      .describe('Matches the start of the email or the username (case-insensitive).'),
    cursor: PageCursorSchema.zod.optional().describe('nextCursor of the previous page.'),
    limit: z.coerce.number().int().min(1).max(100).default(20),
  }),
);
export type AdminUsersQuery = DtoType<typeof AdminUsersQuerySchema>;

export const AdminUserUpdateSchema = dto((z) =>
  z
    .object({
      role: z
        .enum(['user', 'admin'])
        .optional()
        .describe('Granting admin takes your password (or code) as well, in `password` or `code`.'),
      disabled: z.boolean().optional().describe('true signs the user out everywhere and blocks sign-in.'),
      twoStepSignIn: z
        .literal('off')
        .optional()
        .describe(
          '"off" turns the user\'s two-step sign-in off (an owner who lost the app and the recovery codes) and signs them out everywhere; takes your password (or code) as well.',
        ),
      ...ReauthenticationSchema.zod.shape,
    })
    .strict()
    .refine((v) => v.role !== undefined || v.disabled !== undefined || v.twoStepSignIn !== undefined, {
      message: 'give role, disabled or twoStepSignIn',
    }),
);
export type AdminUserUpdateDto = DtoType<typeof AdminUserUpdateSchema>;

// ---------------------------------------------------------------- responses

export const MeSchema = dto((z) =>
  z.object({
    id: z.uuid(),
    email: z.string(),
    username: z.string(),
    displayName: z.string().nullable(),
    bio: z.string().nullable(),
    avatarFileId: z.uuid().nullable(),
    avatarUrl: z.string().nullable().describe('Absolute URL anyone can load the avatar from.'),
    role: z.enum(['user', 'admin']),
    emailVerified: z.boolean(),
    hasPassword: z
      .boolean()
      .describe('False for accounts made by email code: they confirm sensitive changes with a code.'),
    mfaEnabled: z.boolean().describe('Whether signing in takes a code from an authenticator app too.'),
    createdAt: z.iso.datetime(),
  }),
);
export type MeDto = DtoType<typeof MeSchema>;

export const PublicProfileSchema = dto((z) =>
  z.object({
    id: z.uuid(),
    username: z.string(),
    displayName: z.string().nullable(),
    bio: z.string().nullable(),
    avatarUrl: z.string().nullable(),
  }),
);
export type PublicProfileDto = DtoType<typeof PublicProfileSchema>;

export const AdminUserSchema = dto((z) =>
  z.object({
    id: z.uuid(),
    email: z.string(),
    username: z.string(),
    displayName: z.string().nullable(),
    role: z.enum(['user', 'admin']),
    emailVerified: z.boolean(),
    mfaEnabled: z.boolean().describe('Whether the account signs in with two steps.'),
    disabledAt: z.iso.datetime().nullable(),
    deletedAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
  }),
);
export type AdminUserDto = DtoType<typeof AdminUserSchema>;

export const AdminUsersPageSchema = dto((z) =>
  z.object({
    items: z.array(AdminUserSchema.zod),
    nextCursor: z.string().nullable().describe('Pass as cursor for the next page; null on the last page.'),
  }),
);
export type AdminUsersPageDto = DtoType<typeof AdminUsersPageSchema>;
