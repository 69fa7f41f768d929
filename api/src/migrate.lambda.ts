import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { SecretsRepository } from './aws/secrets.repository.js';
import { createLogger } from './common/logging/logger.js';
import { configFromProcessEnvironment } from './config/environment.js';
import { createDatabase } from './database/database.factory.js';
import { remoteConnection } from './database/database-connection.js';
import { ensureDatabaseExists } from './database/ensure-database.js';
import { type MigrationReport, migrateToLatest } from './database/migrator.js';

// Signs nothing: infra gives it the database secret and no JWT keys.
const config = configFromProcessEnvironment({ NODE_ENV: 'production' }, { signsTokens: false });
const logger = createLogger(config.log);
const secrets = new SecretsRepository();

/** The physical id CloudFormation sees; constant, so an update never "replaces" the schema. */
const PHYSICAL_RESOURCE_ID = 'cloudnest-database-schema';

/** What the function answers: the migration report, plus the custom-resource fields when invoked as one. */
export interface MigrationResponse extends MigrationReport {
  readonly PhysicalResourceId?: string;
  readonly Data?: { readonly Applied: string; readonly Pending: string };
}

/**
 * The migration function: creates the database if it does not exist, then applies pending
 * migrations (serialised across concurrent invocations by Kysely's migration lock). Idempotent.
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
  const url = typeof connection.url === 'string' ? connection.url : await connection.url();
  const created = await ensureDatabaseExists(url, connection.dialect, connection.tls);
  if (created) logger.info('database created');
  const db = await createDatabase({ ...connection, url, poolMax: 1 });
  let report: MigrationReport;
  try {
    report = await migrateToLatest(db);
  } finally {
    await db.destroy();
  }
  logger.info({ applied: report.applied, pending: report.pending }, 'migrations done');
  if (!customResource) return report;
  return {
    ...report,
    PhysicalResourceId: PHYSICAL_RESOURCE_ID,
    Data: { Applied: report.applied.join(','), Pending: report.pending.join(',') },
  };
}
