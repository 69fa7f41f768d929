import { type DtoType, dto } from '../common/validation/dto-schema.js';
import { OpaqueTokenSchema } from './auth.dto.js';

// Two-step sign-in (TOTP). Like auth.dto.ts, built on first use, not at import (docs/lambda.md).

const TotpCodeSchema = dto((z) =>
  z
    .string()
    .regex(/^\d{6}$/, 'must be the 6-digit code from your authenticator app')
    .describe('The current 6-digit code from the authenticator app.'),
);

/**
 * Recovery codes are compared without case, spaces or dashes, and with the digits people type for
 * look-alike letters read as those letters (base32 has no 0, 1 or 8), so any way of copying one works.
 */
const LOOK_ALIKE_DIGITS: Readonly<Record<string, string>> = { '0': 'o', '1': 'l', '8': 'b' };
const RecoveryCodeSchema = dto((z) =>
  z
    .string()
    .max(64, 'must be at most 64 characters')
    .transform((code) =>
      code
        .replace(/[\s-]/g, '')
        .toLowerCase()
        .replace(/[018]/g, (digit) => LOOK_ALIKE_DIGITS[digit] ?? digit),
    )
    // Sixteen characters since 2026-12-07 (80 bits); the ten-character codes given before still work.
    .pipe(
      z
        .string()
        .regex(
          /^(?:[a-z2-7]{16}|[a-z2-7]{10})$/,
          'must be one of your recovery codes (16 characters, or 10 for older ones)',
        ),
    )
    .describe('One of the recovery codes shown when two-step sign-in was turned on (single use).'),
);

export const TotpSetupSchema = dto((z) =>
  z.object({
    secret: z.string().describe('Base32 secret, for typing into an authenticator app.'),
    otpauthUri: z.string().describe('The same secret as an otpauth:// URI, to show as a QR code.'),
  }),
);
export type TotpSetupDto = DtoType<typeof TotpSetupSchema>;

export const TotpEnableSchema = dto((z) => z.object({ code: TotpCodeSchema.zod }).strict());
export type TotpEnableDto = DtoType<typeof TotpEnableSchema>;

export const RecoveryCodesSchema = dto((z) =>
  z.object({
    recoveryCodes: z
      .array(z.string())
      .describe('Single-use codes for signing in without the authenticator app; shown only this once.'),
  }),
);
export type RecoveryCodesDto = DtoType<typeof RecoveryCodesSchema>;

export const MfaVerifySchema = dto((z) =>
  z
    .object({
      mfaToken: OpaqueTokenSchema.zod.describe('From the sign-in route’s 202 answer.'),
      code: TotpCodeSchema.zod.optional(),
      recoveryCode: RecoveryCodeSchema.zod.optional(),
    })
    .strict()
    .refine((v) => (v.code === undefined) !== (v.recoveryCode === undefined), {
      message: 'give either code or recoveryCode',
      path: ['code'],
    })
    .describe('The second step of signing in: an authenticator code or a recovery code.'),
);
export type MfaVerifyDto = DtoType<typeof MfaVerifySchema>;
