import type { ErrorCode } from '../common/errors/error-codes.js';
import { SINGLE_LINE_TEXT, SINGLE_LINE_TEXT_MESSAGE } from '../common/validation/display-text.js';
import { type DtoType, dto } from '../common/validation/dto-schema.js';
import { SIGN_IN_METHODS } from '../database/database.types.js';
import { KNOWN_API_KEY_SCOPES } from './api-key-scopes.js';

// Every schema here is a `dto()` definition: built on its first parse or OpenAPI use, not when the
// module is imported, and this module does not import zod itself, so neither zod (~15–30 ms) nor
// ~40 schemas (~4 ms) are part of a Lambda cold start (docs/lambda.md, dto-schema.ts).

/** Emails are compared trimmed and lower-cased everywhere. */
export const EmailSchema = dto((z) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .max(320)
    .pipe(z.email({ message: 'must be a valid email address' }))
    .describe('Email address (trimmed, lower-cased).'),
);

export const UsernameSchema = dto((z) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9_.-]{3,32}$/, 'must be 3-32 characters of a-z, 0-9, _, . or -')
    .describe(
      'Public handle: 3-32 of [a-z0-9_.-], checked after trimming and lower-casing (" Ada " is ada).',
    ),
);

export const PasswordSchema = dto((z) =>
  z
    .string()
    .min(8, 'must be at least 8 characters')
    .max(128, 'must be at most 128 characters')
    .describe('8-128 characters, not a commonly used password.'),
);

export const RegisterSchema = dto((z) =>
  z
    .object({ email: EmailSchema.zod, username: UsernameSchema.zod, password: PasswordSchema.zod })
    .strict()
    .describe('A new account.'),
);
export type RegisterDto = DtoType<typeof RegisterSchema>;

export const LoginSchema = dto((z) =>
  z
    .object({
      email: EmailSchema.zod.optional(),
      username: UsernameSchema.zod.optional(),
      password: z.string().min(1, 'is required').max(128, 'must be at most 128 characters'),
    })
    .strict()
    .refine((v) => (v.email === undefined) !== (v.username === undefined), {
      message: 'give either email or username',
      path: ['email'],
    })
    .describe('Sign in with email or username, and password.'),
);
export type LoginDto = DtoType<typeof LoginSchema>;

export const OpaqueTokenSchema = dto((z) =>
  z.string().min(16).max(512).describe('An opaque token as issued.'),
);

export const RefreshSchema = dto((z) =>
  z
    .object({ refreshToken: OpaqueTokenSchema.zod.optional() })
    .strict()
    .optional()
    .describe('The refresh token; omit it in cookie mode (then the cookie and X-CSRF-Token are used).'),
);
export type RefreshDto = DtoType<typeof RefreshSchema>;

/** `?mode=cookie` puts the refresh token in an httpOnly cookie instead of the body (browsers). */
export const TokenDeliverySchema = dto((z) =>
  z.object({
    mode: z.enum(['body', 'cookie']).default('body').describe('Where the refresh token goes.'),
  }),
);
export type TokenDelivery = DtoType<typeof TokenDeliverySchema>;

export const TokenSchema = dto((z) => z.object({ token: OpaqueTokenSchema.zod }).strict());
export type TokenDto = DtoType<typeof TokenSchema>;

export const EmailVerificationConfirmSchema = dto((z) =>
  z
    .object({
      token: OpaqueTokenSchema.zod,
      password: z
        .string()
        .min(1, 'is required')
        .max(128, 'must be at most 128 characters')
        .optional()
        .describe(
          'A sign-up’s link also needs the password chosen at sign-up (REGISTRATION_PASSWORD_REQUIRED).',
        ),
    })
    .strict(),
);
export type EmailVerificationConfirmDto = DtoType<typeof EmailVerificationConfirmSchema>;

export const EmailOnlySchema = dto((z) => z.object({ email: EmailSchema.zod }).strict());
export type EmailOnlyDto = DtoType<typeof EmailOnlySchema>;

export const PasswordResetSchema = dto((z) =>
  z.object({ token: OpaqueTokenSchema.zod, password: PasswordSchema.zod }).strict(),
);
export type PasswordResetDto = DtoType<typeof PasswordResetSchema>;

export const PasswordChangeSchema = dto((z) =>
  z.object({ currentPassword: z.string().min(1).max(128), newPassword: PasswordSchema.zod }).strict(),
);
export type PasswordChangeDto = DtoType<typeof PasswordChangeSchema>;

const EmailCodeSchema = dto((z) => z.string().regex(/^\d{6}$/, 'must be the 6-digit code from the email'));

/** A first password for an account made by email code, confirmed with a code from POST /auth/reauthentication/code. */
export const PasswordSetSchema = dto((z) =>
  z
    .object({
      code: EmailCodeSchema.zod.describe('A code from POST /auth/reauthentication/code.'),
      newPassword: PasswordSchema.zod,
    })
    .strict(),
);
export type PasswordSetDto = DtoType<typeof PasswordSetSchema>;

export const EmailCodeVerifySchema = dto((z) =>
  z
    .object({
      email: EmailSchema.zod,
      code: EmailCodeSchema.zod,
    })
    .strict(),
);
export type EmailCodeVerifyDto = DtoType<typeof EmailCodeVerifySchema>;

/**
 * Proof that the caller is the account's owner, not only the holder of its access token, asked
 * before changes a stolen token must not be enough for (deleting the account, minting an API key).
 */
export const ReauthenticationSchema = dto((z) =>
  z
    .object({
      password: z
        .string()
        .min(1, 'is required')
        .max(128, 'must be at most 128 characters')
        .optional()
        .describe('Your password.'),
      code: EmailCodeSchema.zod
        .optional()
        .describe('For an account without a password: a code from POST /auth/reauthentication/code.'),
    })
    .strict()
    .describe('Confirm it is you: your password, or a code emailed to an account without one.'),
);
export type ReauthenticationDto = DtoType<typeof ReauthenticationSchema>;

/** What a route taking `ReauthenticationSchema` can answer about the proof (for its OpenAPI errors). */
export const REAUTHENTICATION_ERRORS = [
  'REAUTHENTICATION_REQUIRED',
  'CURRENT_PASSWORD_INCORRECT',
  'CONFIRMATION_INTERRUPTED',
  'INVALID_CODE',
  'ACCOUNT_LOCKED',
  'RATE_LIMITED',
] as const satisfies readonly ErrorCode[];

export const EmailChangeSchema = dto((z) =>
  z
    .object({ email: EmailSchema.zod.describe('The new address.'), ...ReauthenticationSchema.zod.shape })
    .strict()
    .describe('A new sign-in address, confirmed by the link mailed to it; takes re-authentication.'),
);
export type EmailChangeDto = DtoType<typeof EmailChangeSchema>;

export const ApiKeyCreateSchema = dto((z) =>
  z
    .object({
      ...ReauthenticationSchema.zod.shape,
      // One line (display-text.ts): the name is quoted in the plain-text apiKeyCreated
      // mail, where a line break would let the key's creator write paragraphs of their own.
      name: z.string().trim().min(1).max(100).regex(SINGLE_LINE_TEXT, SINGLE_LINE_TEXT_MESSAGE),
      // Only scopes a route checks (stored space-separated, deduplicated by the service).
      scopes: z
        .array(z.enum(KNOWN_API_KEY_SCOPES, { error: `must be one of ${KNOWN_API_KEY_SCOPES.join(', ')}` }))
        .max(20)
        .default([]),
    })
    .strict(),
);
export type ApiKeyCreateDto = DtoType<typeof ApiKeyCreateSchema>;

// ---------------------------------------------------------------- responses

export const UserSchema = dto((z) =>
  z.object({
    id: z.uuid(),
    email: z.string(),
    username: z.string(),
    role: z
      .enum(['user', 'admin'])
      .describe('As of signing in: a role change signs the account out, so a session never outlives it.'),
    emailVerified: z.boolean(),
    mfaEnabled: z.boolean().describe('Whether signing in takes a code from an authenticator app too.'),
    createdAt: z.iso.datetime(),
  }),
);
export type UserDto = DtoType<typeof UserSchema>;

export const AuthTokensSchema = dto((z) =>
  z.object({
    user: UserSchema.zod,
    accessToken: z.string().describe('JWT for the Authorization: Bearer header.'),
    refreshToken: z
      .string()
      .optional()
      .describe('Opaque, single-use; exchange at /auth/refresh. Absent in cookie mode.'),
    tokenType: z.literal('Bearer'),
    expiresIn: z.number().int().describe('Access token lifetime in seconds.'),
  }),
);
export type AuthTokensDto = DtoType<typeof AuthTokensSchema>;

/**
 * What a sign-in route answers (202) for an account with two-step sign-in on: no tokens yet, a
 * challenge to send with a code to POST /auth/mfa/verify.
 */
export const MfaChallengeSchema = dto((z) =>
  z.object({
    status: z.literal('mfa_required'),
    mfaToken: z.string().describe('Single use; send it with a code to POST /auth/mfa/verify.'),
    expiresIn: z.number().int().describe('Seconds the challenge stays valid.'),
  }),
);
export type MfaChallengeDto = DtoType<typeof MfaChallengeSchema>;

export const StatusSchema = dto((z) => z.object({ status: z.string() }));

export const SessionSchema = dto((z) =>
  z.object({
    id: z.uuid(),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime(),
    userAgent: z.string().nullable(),
    ip: z.string().nullable(),
    signInMethod: z
      .enum(SIGN_IN_METHODS)
      .nullable()
      .describe(
        'What finished the sign-in: a password, an emailed code or verification link, registering, a passkey, or the second step (authenticator or recovery code); null for sessions from before it was recorded.',
      ),
    current: z.boolean(),
  }),
);
export type SessionDto = DtoType<typeof SessionSchema>;

export const SessionListSchema = dto((z) => z.array(SessionSchema.zod));

export const ApiKeySchema = dto((z) =>
  z.object({
    id: z.uuid(),
    name: z.string(),
    prefix: z.string(),
    scopes: z.array(z.string()),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime().nullable(),
  }),
);
export type ApiKeyDto = DtoType<typeof ApiKeySchema>;

export const ApiKeyListSchema = dto((z) => z.array(ApiKeySchema.zod));

export const CreatedApiKeySchema = dto((z) =>
  ApiKeySchema.zod.extend({
    key: z.string().describe('The key itself; shown only in this response.'),
  }),
);
export type CreatedApiKeyDto = DtoType<typeof CreatedApiKeySchema>;

export const JwksSchema = dto((z) => z.object({ keys: z.array(z.record(z.string(), z.unknown())) }));
