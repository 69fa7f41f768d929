import { Injectable } from '@nestjs/common';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';

/** How long a ceremony's challenge is good for: the browser's prompt times out with it. */
export const PASSKEY_CEREMONY_TTL_MS = 5 * 60_000;

/** The site a ceremony runs for. */
export interface PasskeySite {
  readonly rpId: string;
  readonly origins: readonly string[];
}

/** A verified new passkey, as stored. */
export interface VerifiedPasskey {
  readonly credentialId: string;
  /** base64url of the COSE public key. */
  readonly publicKey: string;
  readonly counter: number;
  readonly transports: readonly string[];
  readonly deviceType: 'singleDevice' | 'multiDevice';
  readonly backedUp: boolean;
}

/**
 * WebAuthn's cryptography (attestation and assertion checks, COSE keys, CBOR) through
 * @simplewebauthn/server, imported on first use: a Lambda that never sees a passkey never loads it.
 * User verification is required in both ceremonies, so a passkey is two factors in one (something
 * held, and the fingerprint or PIN that unlocked it) and its sign-in needs no further code.
 */
@Injectable()
export class WebAuthnRepository {
  private library: Promise<typeof import('@simplewebauthn/server')> | undefined;

  async registrationOptions(input: {
    site: PasskeySite;
    rpName: string;
    userId: string;
    userName: string;
    exclude: readonly { credentialId: string; transports: readonly string[] }[];
  }): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const { generateRegistrationOptions } = await this.load();
    return generateRegistrationOptions({
      rpName: input.rpName,
      rpID: input.site.rpId,
      // The account id, not the address: a passkey outlives a change of email, and the handle it
      // returns when signing in names the account.
      userID: new TextEncoder().encode(input.userId),
      userName: input.userName,
      timeout: PASSKEY_CEREMONY_TTL_MS,
      attestationType: 'none',
      excludeCredentials: input.exclude.map((passkey) => ({
        id: passkey.credentialId,
        transports: [...passkey.transports],
      })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    });
  }

  /** The new passkey, or undefined when the answer does not verify. */
  async verifyRegistration(input: {
    site: PasskeySite;
    response: RegistrationResponseJSON;
    challenge: string;
  }): Promise<VerifiedPasskey | undefined> {
    const { verifyRegistrationResponse } = await this.load();
    let result: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
    try {
      result = await verifyRegistrationResponse({
        response: input.response,
        expectedChallenge: input.challenge,
        expectedOrigin: [...input.site.origins],
        expectedRPID: input.site.rpId,
        requireUserVerification: true,
      });
    } catch {
      // The library throws on every malformed or mismatched answer: the client's mistake, not ours.
      return undefined;
    }
    if (!result.verified) return undefined;
    const { credential, credentialDeviceType, credentialBackedUp } = result.registrationInfo;
    return {
      credentialId: credential.id,
      publicKey: Buffer.from(credential.publicKey).toString('base64url'),
      counter: credential.counter,
      transports: credential.transports ?? input.response.response.transports ?? [],
      deviceType: credentialDeviceType,
      backedUp: credentialBackedUp,
    };
  }

  /** Options for signing in with any passkey of the site (discoverable credentials: no account named). */
  async authenticationOptions(site: PasskeySite): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const { generateAuthenticationOptions } = await this.load();
    return generateAuthenticationOptions({
      rpID: site.rpId,
      timeout: PASSKEY_CEREMONY_TTL_MS,
      userVerification: 'required',
    });
  }

  /** The authenticator's new signature counter when the answer verifies, else undefined. */
  async verifyAuthentication(input: {
    site: PasskeySite;
    response: AuthenticationResponseJSON;
    challenge: string;
    passkey: { credentialId: string; publicKey: string; counter: number; transports: readonly string[] };
  }): Promise<{ counter: number; backedUp: boolean } | undefined> {
    const { verifyAuthenticationResponse } = await this.load();
    try {
      const result = await verifyAuthenticationResponse({
        response: input.response,
        expectedChallenge: input.challenge,
        expectedOrigin: [...input.site.origins],
        expectedRPID: input.site.rpId,
        credential: {
          id: input.passkey.credentialId,
          publicKey: new Uint8Array(Buffer.from(input.passkey.publicKey, 'base64url')),
          counter: input.passkey.counter,
          transports: [...input.passkey.transports],
        },
        requireUserVerification: true,
      });
      if (!result.verified) return undefined;
      return {
        counter: result.authenticationInfo.newCounter,
        backedUp: result.authenticationInfo.credentialBackedUp,
      };
    } catch {
      // A bad signature, a counter that went backwards (a cloned authenticator), wrong site or origin.
      return undefined;
    }
  }

  private load(): Promise<typeof import('@simplewebauthn/server')> {
    this.library ??= import('@simplewebauthn/server');
    return this.library;
  }
}

/** The challenge a WebAuthn answer signed (from its base64url clientDataJSON), if it has one. */
export function challengeOfClientData(clientDataJSON: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8'));
    const challenge = (parsed as { challenge?: unknown } | null)?.challenge;
    return typeof challenge === 'string' && challenge.length > 0 && challenge.length <= 128
      ? challenge
      : undefined;
  } catch {
    return undefined;
  }
}
