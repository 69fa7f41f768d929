import { runDatabaseCli } from '../database/database-cli.js';
import { DatabaseHandle } from '../database/database-handle.js';
import { MfaRepository } from './mfa.repository.js';
import { TotpSecretCipher } from './totp-secret-cipher.js';
import { TotpSecretResealer } from './totp-secret-resealer.js';

/**
 * `npm run mfa:reseal`: after the MFA encryption key was rotated (the old key moved to
 * MFA_ENCRYPTION_PREVIOUS_KEYS, or to the secret's `previousKeys`), seals every stored
 * authenticator secret under the new key, so the old one can be dropped. Safe beside running
 * servers and to run again; the migration function does the same on every deploy.
 * Exits 1 when some secret opens under no key: dropping a key early locked those owners out.
 */
await runDatabaseCli('Re-sealing authenticator secrets failed', async ({ config, db }) => {
  const { key, secretArn } = config.auth.mfaEncryptionKey;
  if (config.env === 'production' && key === undefined && secretArn === undefined) {
    // Development generates a key; in production that would be a key nothing was sealed with.
    process.stderr.write(
      'Set MFA_ENCRYPTION_KEY or MFA_ENCRYPTION_KEY_SECRET_ARN (the key to seal under).\n',
    );
    return 1;
  }
  const resealer = new TotpSecretResealer(
    new MfaRepository(DatabaseHandle.of(db)),
    new TotpSecretCipher(config),
  );
  const report = await resealer.resealAll();
  process.stdout.write(
    `Re-sealed ${report.resealed} authenticator secret(s) under key ${report.keyId}; every other readable one already was.\n`,
  );
  if (report.unreadable === 0) return 0;
  process.stderr.write(
    `${report.unreadable} authenticator secret(s) open under none of the configured keys (accounts ${report.unreadableUserIds.join(', ')}${report.unreadable > report.unreadableUserIds.length ? ', …' : ''}). Put the key they were sealed under back in the previous keys, or turn two-step sign-in off for them (npm run user:mfa-reset).\n`,
  );
  return 1;
});
