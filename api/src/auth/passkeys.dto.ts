import type { ZodRawShape } from 'zod';
import { SINGLE_LINE_TEXT, SINGLE_LINE_TEXT_MESSAGE } from '../common/validation/display-text.js';
import { type DtoType, dto, type ZodModule } from '../common/validation/dto-schema.js';

// Passkeys (WebAuthn). Like auth.dto.ts, built on first use, not at import (docs/lambda.md).
// The answers are the JSON the browser's WebAuthn calls produce through @simplewebauthn/browser
// (`startRegistration`, `startAuthentication`); their bytes are base64url and bounded here, and
// unknown fields are dropped. What they mean is checked by the WebAuthn library.

const base64url = (max: number) =>
  dto((z) =>
    z
      .string()
      .min(1, 'is required')
      .max(max, `must be at most ${max} characters`)
      .regex(/^[A-Za-z0-9_-]+$/, 'must be base64url'),
  );
const CredentialIdSchema = base64url(512);
const ClientDataSchema = base64url(4096);

/** A PublicKeyCredential as JSON: the credential's id, and the authenticator's `response` fields. */
function credentialAnswer<const Shape extends ZodRawShape>(z: ZodModule, response: Shape) {
  return z.object({
    id: CredentialIdSchema.zod,
    rawId: CredentialIdSchema.zod,
    type: z.literal('public-key'),
    response: z.object(response),
    authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
    clientExtensionResults: z.record(z.string(), z.unknown()),
  });
}

/** A passkey's name: what its owner tells it apart by in the list and in mails. */
const PasskeyNameSchema = dto((z) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(64, 'must be at most 64 characters')
    .regex(SINGLE_LINE_TEXT, SINGLE_LINE_TEXT_MESSAGE),
);

export const PasskeyRegistrationSchema = dto((z) =>
  z
    .object({
      name: PasskeyNameSchema.zod
        .optional()
        .describe('A name to tell this passkey apart ("Work laptop"); default "Passkey".'),
      response: credentialAnswer(z, {
        clientDataJSON: ClientDataSchema.zod,
        attestationObject: base64url(16_384).zod,
        authenticatorData: base64url(8192).zod.optional(),
        transports: z.array(z.string().max(32)).max(10).optional(),
        publicKeyAlgorithm: z.number().int().optional(),
        publicKey: base64url(4096).zod.optional(),
      }).describe('What startRegistration() resolved to.'),
    })
    .strict(),
);
export type PasskeyRegistrationDto = DtoType<typeof PasskeyRegistrationSchema>;

export const PasskeySignInSchema = dto((z) =>
  z
    .object({
      response: credentialAnswer(z, {
        clientDataJSON: ClientDataSchema.zod,
        authenticatorData: base64url(8192).zod,
        signature: base64url(2048).zod,
        userHandle: base64url(128).zod.optional(),
      }).describe('What startAuthentication() resolved to.'),
    })
    .strict(),
);
export type PasskeySignInDto = DtoType<typeof PasskeySignInSchema>;

export const PasskeyOptionsSchema = dto((z) =>
  z.object({
    options: z
      .record(z.string(), z.unknown())
      .describe(
        'WebAuthn options as JSON: pass them to startRegistration / startAuthentication ({ optionsJSON }).',
      ),
  }),
);
export type PasskeyOptionsDto = DtoType<typeof PasskeyOptionsSchema>;

export const PasskeyRenameSchema = dto((z) =>
  z.object({ name: PasskeyNameSchema.zod.describe('The new name ("Work laptop").') }).strict(),
);
export type PasskeyRenameDto = DtoType<typeof PasskeyRenameSchema>;

export const PasskeySchema = dto((z) =>
  z.object({
    id: z.uuid(),
    name: z.string(),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime().nullable(),
    backedUp: z
      .boolean()
      .describe('Synced to the owner’s other devices (a passkey manager), not bound to one.'),
    deviceType: z.enum(['singleDevice', 'multiDevice']),
  }),
);
export type PasskeyDto = DtoType<typeof PasskeySchema>;

export const PasskeyListSchema = dto((z) => z.object({ items: z.array(PasskeySchema.zod) }));
export type PasskeyListDto = DtoType<typeof PasskeyListSchema>;
