import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { SecretsRepository } from '../aws/secrets.repository.js';
import { keptSecret } from '../common/crypto/kept-secret.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';

/** Development's generated key, next to the generated JWT key. */
const DEV_KEY_FILE = 'mfa-encryption.key';
/** Field of the MFA_ENCRYPTION_KEY_SECRET_ARN secret holding the key. */
const SECRET_FIELD = 'key';
const FORMAT = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Encrypts authenticator secrets for the database (AES-256-GCM under a key derived with HKDF from
 * MFA_ENCRYPTION_KEY or its Secrets Manager secret), so a copy of the database — a leaked backup,
 * a read-only injection — does not hand out every account's second factor. The account id is the
 * associated data: a sealed secret copied into another account's row does not open there.
 * The key is read once, on first use (never during a Lambda's init).
 */
@Injectable()
export class TotpSecretCipher {
  private key: Promise<Buffer> | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    // Optional like JwtRepository's: only MFA_ENCRYPTION_KEY_SECRET_ARN needs it.
    @Optional()
    @Inject(SecretsRepository)
    private readonly secrets: SecretsRepository = new SecretsRepository(),
  ) {}

  /** `v1.` + base64url(iv ‖ ciphertext ‖ tag). */
  async seal(userId: string, secret: string): Promise<string> {
    const key = await this.loadKey();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(userId, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return `${FORMAT}.${Buffer.concat([iv, ciphertext, cipher.getAuthTag()]).toString('base64url')}`;
  }

  /** The secret `seal` sealed for `userId`; throws when it was altered, moved or sealed under another key. */
  async open(userId: string, sealed: string): Promise<string> {
    const [format, payload] = sealed.split('.');
    if (format !== FORMAT || payload === undefined) throw new Error('not a sealed authenticator secret');
    const bytes = Buffer.from(payload, 'base64url');
    const key = await this.loadKey();
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES))
      .setAAD(Buffer.from(userId, 'utf8'))
      .setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    const plaintext = Buffer.concat([
      decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)),
      decipher.final(),
    ]);
    return plaintext.toString('utf8');
  }

  private loadKey(): Promise<Buffer> {
    if (!this.key) {
      this.key = this.keyMaterial().then((material) =>
        Buffer.from(hkdfSync('sha256', material, '', 'cloudnest totp secret v1', 32)),
      );
      // A failed read (Secrets Manager unreachable) is retried by the next call, not remembered.
      this.key.catch(() => {
        this.key = undefined;
      });
    }
    return this.key;
  }

  private async keyMaterial(): Promise<string> {
    const { key, secretArn } = this.config.auth.mfaEncryptionKey;
    if (key !== undefined) return key;
    if (secretArn !== undefined) {
      const value = (await this.secrets.getJson(secretArn))[SECRET_FIELD];
      if (typeof value !== 'string' || value.length < 32)
        throw new Error(
          `MFA encryption key secret ${secretArn} must hold "${SECRET_FIELD}" of at least 32 characters.`,
        );
      return value;
    }
    // Development only (production requires a key): generated once and kept, like the JWT key.
    const kept = await keptSecret(this.config.dataDir, DEV_KEY_FILE, () =>
      randomBytes(32).toString('base64url'),
    );
    return kept.trim();
  }
}
