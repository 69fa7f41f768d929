import { SecretsRepository } from '../aws/secrets.repository.js';
import type { AppConfig } from '../config/app-config.js';
import type { DatabaseConnectionOptions } from './database.factory.js';
import { databaseUrlResolver } from './database-secret.js';

/**
 * The connection for a configured remote database (DATABASE_URL or DATABASE_SECRET_ARN), or
 * undefined when the configuration asks for the embedded PostgreSQL. Kept apart from
 * `database-target.ts` so the Lambda bundle never loads the embedded server's code.
 */
export function remoteConnection(
  config: AppConfig,
  secrets: SecretsRepository = new SecretsRepository(),
): DatabaseConnectionOptions | undefined {
  const tuning = { poolMax: config.database.poolMax, statementTimeoutMs: config.database.statementTimeoutMs };
  const settings = config.database;
  if (settings.kind === 'url') return { url: settings.url, dialect: settings.dialect, ...tuning };
  if (settings.kind === 'secret') {
    return {
      url: databaseUrlResolver(secrets, settings.secretArn, settings.dialect),
      dialect: settings.dialect,
      ...tuning,
    };
  }
  return undefined;
}
