import type { MfaRepository } from './mfa.repository.js';
import { sealedUnderKeyPrefix, type TotpSecretCipher } from './totp-secret-cipher.js';

/** Rows read per batch: small enough for one Lambda's memory, large enough to finish quickly. */
const BATCH_SIZE = 200;
/** How many unreadable accounts a report names (the count is always complete). */
const NAMED_UNREADABLE = 20;

/** What a re-seal pass did. */
export interface ResealReport {
  /** The current key's id: every readable secret is now sealed under it. */
  readonly keyId: string;
  readonly resealed: number;
  /** Opened by no key of the ring (sealed under a key that was dropped too early): left as they are. */
  readonly unreadable: number;
  /** The first of those accounts, for `npm run user:mfa-reset`. */
  readonly unreadableUserIds: readonly string[];
}

/**
 * Moves every stored authenticator secret under the current MFA encryption key, after a rotation:
 * once a pass reports nothing left to re-seal, the previous keys can be dropped. Each row is
 * replaced only if it still holds the value that was read, so a pass can run beside the API (and
 * beside another pass); run by `npm run mfa:reseal` and by the migration function on every deploy.
 */
export class TotpSecretResealer {
  constructor(
    private readonly mfa: MfaRepository,
    private readonly cipher: TotpSecretCipher,
  ) {}

  async resealAll(): Promise<ResealReport> {
    const keyId = await this.cipher.currentKeyId();
    const prefix = sealedUnderKeyPrefix(keyId);
    let resealed = 0;
    const unreadableUserIds: string[] = [];
    let after: string | undefined;
    for (;;) {
      const batch = await this.mfa.findSealedUnderOtherKeys(prefix, after, BATCH_SIZE);
      for (const { userId, secret } of batch) {
        let replacement: string | undefined;
        try {
          replacement = await this.cipher.reseal(userId, secret);
        } catch {
          unreadableUserIds.push(userId);
          continue;
        }
        // A row changed since it was read (a setup restarted, two-step sign-in turned off, another
        // pass) already holds what it should.
        if (replacement !== undefined && (await this.mfa.replaceSealedSecret(userId, secret, replacement)))
          resealed += 1;
      }
      if (batch.length < BATCH_SIZE) break;
      after = batch[batch.length - 1]?.userId;
    }
    return {
      keyId,
      resealed,
      unreadable: unreadableUserIds.length,
      unreadableUserIds: unreadableUserIds.slice(0, NAMED_UNREADABLE),
    };
  }
}
