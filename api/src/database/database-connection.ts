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
  secrets: SecretsRepository = new SecretsRepository({ signing: config.awsSigning }),
): DatabaseConnectionOptions | undefined {
  const settings = config.database;
  const tuning = {
    poolMax: settings.poolMax,
    statementTimeoutMs: settings.statementTimeoutMs,
    tls: settings.tls,
  };
  if (settings.kind === 'url') return { url: settings.url, dialect: settings.dialect, ...tuning };
  if (settings.kind === 'secret') {
    return {
      url: databaseUrlResolver(secrets, settings.secretArn, settings.dialect, settings.hostOverride),
      dialect: settings.dialect,
      ...tuning,
    };
  }
  return undefined;
}
