import * as z from 'zod';

// Every schema here is wrapped in z.lazy: built on its first parse or OpenAPI use, not when the
// module is imported, which kept ~40 schemas (~4 ms) out of every Lambda cold start (docs/lambda.md).

/** Emails are compared trimmed and lower-cased everywhere. */
export const EmailSchema = z.lazy(() =>
  z
    .string()
    .trim()
    .toLowerCase()
    .max(320)
    .pipe(z.email({ message: 'must be a valid email address' }))
    .describe('Email address (trimmed, lower-cased).'),
);

export const UsernameSchema = z.lazy(() =>
  z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9_.-]{3,32}$/, 'must be 3-32 characters of a-z, 0-9, _, . or -')
    .describe('Public handle: 3-32 of [a-z0-9_.-].'),
);

export const PasswordSchema = z.lazy(() =>
  z
    .string()
    .min(8, 'must be at least 8 characters')
    .max(128, 'must be at most 128 characters')
    .describe('8-128 characters, not a commonly used password.'),
);

export const RegisterSchema = z.lazy(() =>
  z
    .object({ email: EmailSchema, username: UsernameSchema, password: PasswordSchema })
    .strict()
    .describe('A new account.'),
);
export type RegisterDto = z.infer<typeof RegisterSchema>;

export const LoginSchema = z.lazy(() =>
  z
    .object({
      email: EmailSchema.optional(),
      username: UsernameSchema.optional(),
      password: z.string().min(1, 'is required').max(128, 'must be at most 128 characters'),
    })
    .strict()
    .refine((v) => (v.email === undefined) !== (v.username === undefined), {
      message: 'give either email or username',
      path: ['email'],
    })
    .describe('Sign in with email or username, and password.'),
);
export type LoginDto = z.infer<typeof LoginSchema>;

const OpaqueTokenSchema = z.lazy(() => z.string().min(16).max(512).describe('An opaque token as issued.'));

export const RefreshSchema = z.lazy(() =>
  z
    .object({ refreshToken: OpaqueTokenSchema.optional() })
    .strict()
    .optional()
    .describe('The refresh token; omit it in cookie mode (then the cookie and X-CSRF-Token are used).'),
);
export type RefreshDto = z.infer<typeof RefreshSchema>;

/** `?mode=cookie` puts the refresh token in an httpOnly cookie instead of the body (browsers). */
export const TokenDeliverySchema = z.lazy(() =>
  z.object({
    mode: z.enum(['body', 'cookie']).default('body').describe('Where the refresh token goes.'),
  }),
);
export type TokenDelivery = z.infer<typeof TokenDeliverySchema>;

export const TokenSchema = z.lazy(() => z.object({ token: OpaqueTokenSchema }).strict());
export type TokenDto = z.infer<typeof TokenSchema>;

export const EmailOnlySchema = z.lazy(() => z.object({ email: EmailSchema }).strict());
export type EmailOnlyDto = z.infer<typeof EmailOnlySchema>;

export const PasswordResetSchema = z.lazy(() =>
  z.object({ token: OpaqueTokenSchema, password: PasswordSchema }).strict(),
);
export type PasswordResetDto = z.infer<typeof PasswordResetSchema>;

export const PasswordChangeSchema = z.lazy(() =>
  z.object({ currentPassword: z.string().min(1).max(128), newPassword: PasswordSchema }).strict(),
);
export type PasswordChangeDto = z.infer<typeof PasswordChangeSchema>;

export const EmailCodeVerifySchema = z.lazy(() =>
  z
    .object({
      email: EmailSchema,
      code: z.string().regex(/^\d{6}$/, 'must be the 6-digit code from the email'),
    })
    .strict(),
);
export type EmailCodeVerifyDto = z.infer<typeof EmailCodeVerifySchema>;

export const IdParamsSchema = z.lazy(() => z.object({ id: z.uuid({ message: 'must be a UUID' }) }));
export type IdParams = z.infer<typeof IdParamsSchema>;

export const ApiKeyCreateSchema = z.lazy(() =>
  z
    .object({
      name: z.string().trim().min(1).max(100),
      scopes: z
        .array(z.string().regex(/^[a-z][a-z0-9:._-]{0,63}$/, 'must be a scope like users:read'))
        .max(20)
        .default([]),
    })
    .strict(),
);
export type ApiKeyCreateDto = z.infer<typeof ApiKeyCreateSchema>;

// ---------------------------------------------------------------- responses

export const UserSchema = z.lazy(() =>
  z.object({
    id: z.uuid(),
    email: z.string(),
    username: z.string(),
    emailVerified: z.boolean(),
    createdAt: z.iso.datetime(),
  }),
);
export type UserDto = z.infer<typeof UserSchema>;

export const AuthTokensSchema = z.lazy(() =>
  z.object({
    user: UserSchema,
    accessToken: z.string().describe('JWT for the Authorization: Bearer header.'),
    refreshToken: z
      .string()
      .optional()
      .describe('Opaque, single-use; exchange at /auth/refresh. Absent in cookie mode.'),
    tokenType: z.literal('Bearer'),
    expiresIn: z.number().int().describe('Access token lifetime in seconds.'),
  }),
);
export type AuthTokensDto = z.infer<typeof AuthTokensSchema>;

export const StatusSchema = z.lazy(() => z.object({ status: z.string() }));

export const SessionSchema = z.lazy(() =>
  z.object({
    id: z.uuid(),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime(),
    userAgent: z.string().nullable(),
    ip: z.string().nullable(),
    current: z.boolean(),
  }),
);
export type SessionDto = z.infer<typeof SessionSchema>;

export const ApiKeySchema = z.lazy(() =>
  z.object({
    id: z.uuid(),
    name: z.string(),
    prefix: z.string(),
    scopes: z.array(z.string()),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime().nullable(),
  }),
);
export type ApiKeyDto = z.infer<typeof ApiKeySchema>;

export const CreatedApiKeySchema = z.lazy(() =>
  ApiKeySchema.unwrap().extend({
    key: z.string().describe('The key itself; shown only in this response.'),
  }),
);
export type CreatedApiKeyDto = z.infer<typeof CreatedApiKeySchema>;

export const JwksSchema = z.lazy(() => z.object({ keys: z.array(z.record(z.string(), z.unknown())) }));
