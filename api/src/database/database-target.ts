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

/** How {@link resolveDatabase} treats an embedded server that is already running. */
export interface ResolveDatabaseOptions {
  /**
   * Use the server another process (the API under `npm start`) runs on DATA_DIR, instead of
   * refusing to start a second one on the same cluster. For short tasks: the server stops when
   * its process does. @default false
   */
  readonly shareRunningServer?: boolean;
}

/**
 * Turns the configured database into a connection: DATABASE_URL as given, DATABASE_SECRET_ARN read
 * on the first query, or (when neither is set) an embedded PostgreSQL under DATA_DIR, so
 * `npm start` works on a bare machine (or, with `shareRunningServer`, the one already running).
 */
export async function resolveDatabase(
  config: AppConfig,
  log: (message: string) => void,
  options: ResolveDatabaseOptions = {},
): Promise<ResolvedDatabase> {
  const remote = remoteConnection(config);
  if (remote) return { connection: remote, release: async () => {} };
  const tuning = { poolMax: config.database.poolMax, statementTimeoutMs: config.database.statementTimeoutMs };
  if (options.shareRunningServer) {
    const url = await EmbeddedPostgres.runningServerUrl(config.dataDir, EMBEDDED_DATABASE_NAME);
    if (url) {
      log(`using the embedded PostgreSQL a running CloudNest process started (data in ${config.dataDir})`);
      return { connection: { url, dialect: 'postgres', ...tuning }, release: async () => {} };
    }
  }
  const server = await EmbeddedPostgres.start({ dataDir: config.dataDir, log });
  try {
    await server.ensureDatabase(EMBEDDED_DATABASE_NAME);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    connection: { url: server.url(EMBEDDED_DATABASE_NAME), dialect: 'postgres', ...tuning },
    release: () => server.stop(),
  };
}
