import {
  createHash,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
} from 'node:crypto';
import { type CBORType, encodeCBOR } from '@levischuck/tiny-cbor';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';

// Authenticator data flags (WebAuthn §6.1).
const USER_PRESENT = 0x01;
const USER_VERIFIED = 0x04;
const BACKUP_ELIGIBLE = 0x08;
const BACKED_UP = 0x10;
const ATTESTED_CREDENTIAL = 0x40;

interface StoredCredential {
  readonly id: Buffer;
  readonly privateKey: KeyObject;
  readonly rpId: string;
  readonly userHandle: Buffer;
  counter: number;
}

/** How the authenticator behaves; the defaults are a platform passkey that does not sync. */
export interface SoftwareAuthenticatorOptions {
  /** The page's origin the browser would report. */
  readonly origin: string;
  /** Whether it verifies its user (fingerprint, PIN); a bare security key may not. @default true */
  readonly verifiesUser?: boolean;
  /** A synced passkey (backup eligible and backed up). @default false */
  readonly synced?: boolean;
  /** Whether its signature counter grows with each use (synced passkeys keep 0). @default false */
  readonly counts?: boolean;
}

const b64u = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

/**
 * A WebAuthn authenticator in the test process: ES256 keys, "none" attestation, and the JSON that
 * @simplewebauthn/browser hands the page (so what the API receives is what a browser sends). The
 * API's verification runs for real against it; only the hardware is simulated.
 */
export class SoftwareAuthenticator {
  readonly credentials: StoredCredential[] = [];

  constructor(private readonly options: SoftwareAuthenticatorOptions) {}

  /**
   * navigator.credentials.create() for `creation`, as startRegistration() returns it: a new key, or
   * with `again`, the passkey of that index attested once more (what a client ignoring
   * excludeCredentials could send).
   */
  register(creation: PublicKeyCredentialCreationOptionsJSON, again?: number): RegistrationResponseJSON {
    const rpId = creation.rp.id ?? new URL(this.options.origin).hostname;
    const existing = again === undefined ? undefined : this.credentials[again];
    const { privateKey, publicKey } = existing
      ? { privateKey: existing.privateKey, publicKey: createPublicKey(existing.privateKey) }
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const coseKey = encodeCBOR(
      new Map<number, CBORType>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, new Uint8Array(Buffer.from(String(jwk.x), 'base64url'))],
        [-3, new Uint8Array(Buffer.from(String(jwk.y), 'base64url'))],
      ]),
    );
    const credential: StoredCredential = existing ?? {
      id: randomBytes(16),
      privateKey,
      rpId,
      userHandle: Buffer.from(creation.user.id, 'base64url'),
      counter: 0,
    };
    if (!existing) this.credentials.push(credential);
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credential.id.length);
    const authData = Buffer.concat([
      this.authenticatorData(rpId, credential.counter, ATTESTED_CREDENTIAL),
      Buffer.alloc(16), // AAGUID: none
      idLength,
      credential.id,
      Buffer.from(coseKey),
    ]);
    const attestationObject = encodeCBOR(
      new Map<string, CBORType>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, CBORType>()],
        ['authData', new Uint8Array(authData)],
      ]),
    );
    return {
      id: b64u(credential.id),
      rawId: b64u(credential.id),
      type: 'public-key',
      response: {
        clientDataJSON: this.clientData('webauthn.create', creation.challenge),
        attestationObject: b64u(attestationObject),
        transports: ['internal'],
      },
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
    };
  }

  /** navigator.credentials.get() for `request` with the passkey `index`, as startAuthentication() returns it. */
  authenticate(request: PublicKeyCredentialRequestOptionsJSON, index = 0): AuthenticationResponseJSON {
    const credential = this.credentials[index];
    if (!credential) throw new Error(`no passkey ${index} on this authenticator`);
    if (this.options.counts) credential.counter += 1;
    const authData = this.authenticatorData(request.rpId ?? credential.rpId, credential.counter, 0);
    const clientDataJSON = this.clientData('webauthn.get', request.challenge);
    const signature = sign(
      'sha256',
      Buffer.concat([authData, sha256(Buffer.from(clientDataJSON, 'base64url'))]),
      credential.privateKey,
    );
    return {
      id: b64u(credential.id),
      rawId: b64u(credential.id),
      type: 'public-key',
      response: {
        clientDataJSON,
        authenticatorData: b64u(authData),
        signature: b64u(signature),
        userHandle: b64u(credential.userHandle),
      },
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
    };
  }

  /** Another authenticator holding copies of these keys and counters (a cloned device). */
  clone(): SoftwareAuthenticator {
    const copy = new SoftwareAuthenticator(this.options);
    for (const credential of this.credentials) copy.credentials.push({ ...credential });
    return copy;
  }

  private authenticatorData(rpId: string, counter: number, extraFlags: number): Buffer {
    let flags = USER_PRESENT | extraFlags;
    if (this.options.verifiesUser !== false) flags |= USER_VERIFIED;
    if (this.options.synced) flags |= BACKUP_ELIGIBLE | BACKED_UP;
    const counterBytes = Buffer.alloc(4);
    counterBytes.writeUInt32BE(counter);
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), counterBytes]);
  }

  private clientData(type: string, challenge: string): string {
    return b64u(JSON.stringify({ type, challenge, origin: this.options.origin, crossOrigin: false }));
  }
}
