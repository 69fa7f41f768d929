import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { MfaRepository } from './auth/mfa.repository.js';
import { TotpSecretCipher } from './auth/totp-secret-cipher.js';
import { type ResealReport, TotpSecretResealer } from './auth/totp-secret-resealer.js';
import { SecretsRepository } from './aws/secrets.repository.js';
import { createLogger } from './common/logging/logger.js';
import { configFromProcessEnvironment } from './config/environment.js';
import { apiUserCredentialsFromSecret, grantApiUser } from './database/api-user.js';
import { createDatabase, type Database } from './database/database.factory.js';
import { remoteConnection } from './database/database-connection.js';
import { DatabaseHandle } from './database/database-handle.js';
import { ensureDatabaseExists } from './database/ensure-database.js';
import { type MigrationReport, migrateToLatest, migrationConnection } from './database/migrator.js';

// Serves no API: infra gives it the database secret and no JWT/MFA keys or API_BASE_URL.
const config = configFromProcessEnvironment({ NODE_ENV: 'production' }, { servesApi: false });
const logger = createLogger(config.log);
const secrets = new SecretsRepository({ signing: config.awsSigning });

/** The physical id CloudFormation sees; constant, so an update never "replaces" the schema. */
const PHYSICAL_RESOURCE_ID = 'cloudnest-database-schema';

/**
 * What the function answers: the migration report, the re-seal pass when it has the MFA key, plus
 * the custom-resource fields when invoked as one.
 */
export interface MigrationResponse extends MigrationReport {
  readonly authenticatorSecrets?: ResealReport;
  /** The user the API connects as, created or updated and granted its rights by this run. */
  readonly apiUser?: string;
  readonly PhysicalResourceId?: string;
  readonly Data?: { readonly Applied: string; readonly Pending: string };
}

/**
 * The migration function: creates the database if it does not exist, applies pending migrations
 * (serialised across concurrent invocations by Kysely's migration lock) and, given the API user's
 * secret, grants that user its rights. Idempotent.
 * Works when invoked directly, as a CDK `Trigger`, or as the onEvent handler of a CDK custom
 * resource `Provider` (Delete leaves the schema alone: data outlives stacks).
 */
export async function handler(
  event?: Partial<CloudFormationCustomResourceEvent>,
): Promise<MigrationResponse> {
  const customResource = typeof event?.RequestType === 'string';
  if (event?.RequestType === 'Delete') {
    return { applied: [], pending: [], PhysicalResourceId: event.PhysicalResourceId ?? PHYSICAL_RESOURCE_ID };
  }
  const connection = remoteConnection(config, secrets);
  if (connection === undefined) throw new Error('Set DATABASE_URL or DATABASE_SECRET_ARN to migrate.');
  // Afresh on every run, like the API user's secret below: a warm environment still holding the
  // master password from before a rotation failed the next deploy (found in review, 2026-12-07).
  const url = typeof connection.url === 'string' ? connection.url : await connection.url({ fresh: true });
  const created = await ensureDatabaseExists(url, connection.dialect, connection.tls);
  if (created) logger.info('database created');
  const db = await createDatabase(migrationConnection({ ...connection, url }));
  let report: MigrationResponse;
  try {
    report = await migrateToLatest(db);
    logger.info({ applied: report.applied, pending: report.pending }, 'migrations done');
    const apiUser = await grantApiUserFromSecret(db);
    if (apiUser) report = { ...report, apiUser };
    const authenticatorSecrets = await resealAuthenticatorSecrets(db);
    if (authenticatorSecrets) report = { ...report, authenticatorSecrets };
  } finally {
    await db.destroy();
  }
  if (!customResource) return report;
  return {
    ...report,
    PhysicalResourceId: PHYSICAL_RESOURCE_ID,
    Data: { Applied: report.applied.join(','), Pending: report.pending.join(',') },
  };
}

/**
 * Creates the user the API connects as, sets its password from its secret and grants it row rights
 * on every table, the ones this run created included (database/api-user.ts). Only when infra
 * passes that secret; a database CloudNest did not create may leave the API on its given user.
 */
async function grantApiUserFromSecret(db: Database): Promise<string | undefined> {
  const secretArn = config.database.apiUserSecretArn;
  if (secretArn === undefined) return undefined;
  // Read afresh on every run: a warm environment still holding the value from before a rotation
  // would set the old password back, and the API (which re-reads the secret) could not sign in.
  const credentials = apiUserCredentialsFromSecret(
    await secrets.getJson(secretArn, { fresh: true }),
    secretArn,
  );
  // Mid-rotation the database may hold the pending password already: setting the current one
  // would undo it, and the API would be refused once the rotation made the pending one current
  // (found in review, 2026-12-07). The rotation owns the password until it finishes.
  const keepPassword = await secrets.rotationInProgress(secretArn);
  if (keepPassword) {
    logger.warn(
      { apiUser: credentials.username },
      "the API user's secret is being rotated: its password is left to the rotation",
    );
  }
  await grantApiUser(db, credentials, { keepPassword });
  logger.info({ apiUser: credentials.username }, 'API database user granted its rights');
  return credentials.username;
}

/**
 * After a rotation of the MFA encryption key, moves authenticator secrets under the new key, so
 * every deploy finishes a rotation (docs/auth.md, "Rotating the key"). Only when the function is
 * given the key (infra passes its secret); a secret no key opens is reported, not a failed deploy:
 * failing would block every later deploy and unlock nothing.
 */
async function resealAuthenticatorSecrets(db: Database): Promise<ResealReport | undefined> {
  const { key, secretArn } = config.auth.mfaEncryptionKey;
  if (key === undefined && secretArn === undefined) return undefined;
  const resealer = new TotpSecretResealer(
    new MfaRepository(DatabaseHandle.of(db)),
    new TotpSecretCipher(config, secrets),
  );
  const report = await resealer.resealAll();
  if (report.unreadable > 0)
    logger.error(
      { unreadable: report.unreadable, userIds: report.unreadableUserIds, keyId: report.keyId },
      'authenticator secrets open under none of the MFA encryption keys: restore the key they were sealed under to previousKeys, or reset those accounts (npm run user:mfa-reset)',
    );
  else
    logger.info(
      { resealed: report.resealed, keyId: report.keyId },
      'authenticator secrets sealed under the current key',
    );
  return report;
}
