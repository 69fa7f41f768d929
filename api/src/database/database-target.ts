import type { AppConfig } from '../config/app-config.js';
import type { DatabaseConnectionOptions } from './database.factory.js';
import { remoteConnection } from './database-connection.js';
import { EmbeddedPostgres } from './embedded-postgres.js';

/** The database to connect to, and how to release what was started for it. */
export interface ResolvedDatabase {
  readonly connection: DatabaseConnectionOptions;
  /** Stops the embedded server, if one was started. */
  readonly release: () => Promise<void>;
}

const EMBEDDED_DATABASE_NAME = 'cloudnest';

/**
 * Turns the configured database into a connection: DATABASE_URL as given, DATABASE_SECRET_ARN read
 * on the first query, or (when neither is set) an embedded PostgreSQL under DATA_DIR, so
 * `npm start` works on a bare machine.
 */
export async function resolveDatabase(
  config: AppConfig,
  log: (message: string) => void,
): Promise<ResolvedDatabase> {
  const remote = remoteConnection(config);
  if (remote) return { connection: remote, release: async () => {} };
  const server = await EmbeddedPostgres.start({ dataDir: config.dataDir, log });
  try {
    await server.ensureDatabase(EMBEDDED_DATABASE_NAME);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    connection: {
      url: server.url(EMBEDDED_DATABASE_NAME),
      dialect: 'postgres',
      poolMax: config.database.poolMax,
      statementTimeoutMs: config.database.statementTimeoutMs,
    },
    release: () => server.stop(),
  };
}
