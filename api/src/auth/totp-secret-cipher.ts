import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { SecretsRepository } from '../aws/secrets.repository.js';
import { ClockRepository } from '../common/clock/clock.repository.js';
import { keptSecret } from '../common/crypto/kept-secret.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';

/** Development's generated key, next to the generated JWT key. */
const DEV_KEY_FILE = 'mfa-encryption.key';
/** Fields of the MFA_ENCRYPTION_KEY_SECRET_ARN secret: the current key and the retired ones. */
const SECRET_FIELD = 'key';
const PREVIOUS_KEYS_FIELD = 'previousKeys';
const MIN_KEY_LENGTH = 32;
/** `v2.<key id>.<sealed>`: the id names the key, so opening never has to try keys in turn. */
const FORMAT = 'v2';
/** The first release (2026-12-05) wrote `v1.<sealed>` without a key id; still opened, by trying each key. */
const FORMAT_WITHOUT_KEY_ID = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** 48 bits of the key's HKDF output, in hex: no LIKE wildcards, so a prefix query can find it. */
const KEY_ID_BYTES = 6;

/**
 * How long a key ring read from Secrets Manager is used before it is read again: after a rotation,
 * a warm process (a Lambda environment, an ECS task) seals under the new key within this time.
 */
export const KEYRING_MAX_AGE_MS = 10 * 60_000;
/**
 * A value sealed under a key the ring does not know (another process read the rotated secret
 * first) makes the ring be read again at once — but at most this often, so a row that no key
 * opens cannot turn every sign-in into a Secrets Manager call.
 */
const UNKNOWN_KEY_REREAD_MS = 30_000;

interface RingKey {
  readonly id: string;
  readonly key: Buffer;
}

interface Keyring {
  /** Seals everything new. */
  readonly current: RingKey;
  /** The current key first, then the previous ones: each opens what it sealed. */
  readonly keys: readonly RingKey[];
  /** Read from Secrets Manager, so it may change while the process runs. */
  readonly rotatable: boolean;
  /** When the ring was last read, or last tried to be (epoch ms). */
  readonly checkedAt: number;
}

/**
 * Encrypts authenticator secrets for the database (AES-256-GCM under a key derived with HKDF from
 * MFA_ENCRYPTION_KEY or its Secrets Manager secret), so a copy of the database — a leaked backup,
 * a read-only injection — does not hand out every account's second factor. The account id is the
 * associated data: a sealed secret copied into another account's row does not open there.
 *
 * Keys rotate: the previous keys (MFA_ENCRYPTION_PREVIOUS_KEYS, or the secret's `previousKeys`)
 * still open what they sealed, every value names its key, and `reseal` moves a value to the
 * current key (`TotpSecretResealer` does that for every row). The key ring is read on first use
 * (never during a Lambda's init).
 */
@Injectable()
export class TotpSecretCipher {
  private ring: Promise<Keyring> | undefined;
  private rereading: Promise<Keyring> | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    // Optional like JwtRepository's: only MFA_ENCRYPTION_KEY_SECRET_ARN needs it.
    @Optional()
    @Inject(SecretsRepository)
    private readonly secrets: SecretsRepository = new SecretsRepository({ signing: config.awsSigning }),
    @Optional()
    @Inject(ClockRepository)
    private readonly clock: ClockRepository = new ClockRepository(),
  ) {}

  /** `v2.<key id>.` + base64url(iv ‖ ciphertext ‖ tag), under the current key. */
  async seal(userId: string, secret: string): Promise<string> {
    const { current } = await this.keyring();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', current.key, iv).setAAD(Buffer.from(userId, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    const payload = Buffer.concat([iv, ciphertext, cipher.getAuthTag()]).toString('base64url');
    return `${sealedUnderKeyPrefix(current.id)}${payload}`;
  }

  /**
   * The secret `seal` sealed for `userId`, under the current key or a previous one; throws when it
   * was altered, moved to another account, or sealed under a key the ring does not hold.
   */
  async open(userId: string, sealed: string): Promise<string> {
    const parts = sealed.split('.');
    if (parts[0] === FORMAT && parts.length === 3) {
      const [, keyId, payload] = parts as [string, string, string];
      const key = await this.ringKey(keyId);
      if (key === undefined)
        throw new Error(
          `The authenticator secret of ${userId} is sealed under key ${keyId}, which is neither the MFA encryption key nor one of its previous keys.`,
        );
      return decrypt(key.key, userId, payload);
    }
    if (parts[0] === FORMAT_WITHOUT_KEY_ID && parts.length === 2) {
      const { keys } = await this.keyring();
      for (const { key } of keys) {
        try {
          return decrypt(key, userId, parts[1] as string);
        } catch {
          // Not this key (or altered): GCM's tag check fails; try the next.
        }
      }
      throw new Error(`The authenticator secret of ${userId} opens under none of the MFA encryption keys.`);
    }
    throw new Error('not a sealed authenticator secret');
  }

  /** `sealed` moved under the current key; undefined when it already is there. */
  async reseal(userId: string, sealed: string): Promise<string | undefined> {
    if (sealed.startsWith(sealedUnderKeyPrefix(await this.currentKeyId()))) return undefined;
    return this.seal(userId, await this.open(userId, sealed));
  }

  /** The id of the key that seals now (written into each value it seals; not secret). */
  async currentKeyId(): Promise<string> {
    return (await this.keyring()).current.id;
  }

  /** The ring's key `keyId`, reading a rotatable ring again once if it does not have it. */
  private async ringKey(keyId: string): Promise<RingKey | undefined> {
    const ring = await this.keyring();
    const key = ring.keys.find((candidate) => candidate.id === keyId);
    if (key !== undefined || !ring.rotatable || this.now() - ring.checkedAt < UNKNOWN_KEY_REREAD_MS)
      return key;
    return (await this.reread(ring)).keys.find((candidate) => candidate.id === keyId);
  }

  private async keyring(): Promise<Keyring> {
    if (this.ring === undefined) {
      const loading = this.readKeyring(false);
      this.ring = loading;
      // A failed first read (Secrets Manager unreachable) is retried by the next call, not remembered.
      loading.catch(() => {
        if (this.ring === loading) this.ring = undefined;
      });
    }
    const ring = await this.ring;
    if (ring.rotatable && this.now() - ring.checkedAt >= KEYRING_MAX_AGE_MS) return this.reread(ring);
    return ring;
  }

  /**
   * Reads the secret again; concurrent callers share one read. If the read fails the ring in hand
   * stays in use (sealing under a key that was current a moment ago is safe: the rotated secret
   * lists it among the previous keys) and the next read is tried after the same interval.
   */
  private reread(stale: Keyring): Promise<Keyring> {
    this.rereading ??= this.readKeyring(true)
      .catch((): Keyring => ({ ...stale, checkedAt: this.now() }))
      .then((ring) => {
        this.ring = Promise.resolve(ring);
        this.rereading = undefined;
        return ring;
      });
    return this.rereading;
  }

  private async readKeyring(fresh: boolean): Promise<Keyring> {
    const { current, previous, rotatable } = await this.keyMaterial(fresh);
    const keys = [current, ...previous].map(ringKey);
    return { current: keys[0] as RingKey, keys, rotatable, checkedAt: this.now() };
  }

  private async keyMaterial(
    fresh: boolean,
  ): Promise<{ current: string; previous: readonly string[]; rotatable: boolean }> {
    const { key, previousKeys, secretArn } = this.config.auth.mfaEncryptionKey;
    if (key !== undefined) return { current: key, previous: previousKeys, rotatable: false };
    if (secretArn !== undefined) {
      const secret = await this.secrets.getJson(secretArn, { fresh });
      const current = secret[SECRET_FIELD];
      const previous = secret[PREVIOUS_KEYS_FIELD] ?? [];
      if (typeof current !== 'string' || current.length < MIN_KEY_LENGTH)
        throw new Error(
          `MFA encryption key secret ${secretArn} must hold "${SECRET_FIELD}" of at least ${MIN_KEY_LENGTH} characters.`,
        );
      if (
        !Array.isArray(previous) ||
        !previous.every((item) => typeof item === 'string' && item.length >= MIN_KEY_LENGTH)
      )
        throw new Error(
          `MFA encryption key secret ${secretArn}: "${PREVIOUS_KEYS_FIELD}" must be a list of keys of at least ${MIN_KEY_LENGTH} characters.`,
        );
      return { current, previous: previous as string[], rotatable: true };
    }
    // Development only (production requires a key): generated once and kept, like the JWT key.
    const kept = await keptSecret(
      this.config.dataDir,
      DEV_KEY_FILE,
      () => randomBytes(32).toString('base64url'),
      {
        pattern: new RegExp(`^\\S{${MIN_KEY_LENGTH},}$`),
        description: `a key of at least ${MIN_KEY_LENGTH} characters`,
      },
    );
    return { current: kept.trim(), previous: [], rotatable: false };
  }

  private now(): number {
    return this.clock.now().getTime();
  }
}

/** What every value sealed under the key `keyId` starts with. */
export function sealedUnderKeyPrefix(keyId: string): string {
  return `${FORMAT}.${keyId}.`;
}

function ringKey(material: string): RingKey {
  return {
    id: Buffer.from(hkdfSync('sha256', material, '', 'cloudnest totp key id v1', KEY_ID_BYTES)).toString(
      'hex',
    ),
    key: Buffer.from(hkdfSync('sha256', material, '', 'cloudnest totp secret v1', 32)),
  };
}

function decrypt(key: Buffer, userId: string, payload: string): string {
  const bytes = Buffer.from(payload, 'base64url');
  // The tag's length pinned: a value cut short would otherwise be checked against a tag of a few
  // bytes (Node accepts 4), which guessing can match (found in review, 2026-12-07).
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES), {
    authTagLength: TAG_BYTES,
  })
    .setAAD(Buffer.from(userId, 'utf8'))
    .setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
  return Buffer.concat([
    decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)),
    decipher.final(),
  ]).toString('utf8');
}
