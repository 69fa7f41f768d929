import { createApp } from './app.js';
import { createLogger } from './common/logging/logger.js';
import { loadZod } from './common/validation/dto-schema.js';
import { ConfigError } from './config/app-config.js';
import { configFromProcessEnvironment } from './config/environment.js';
import { createDatabase } from './database/database.factory.js';
import { resolveDatabase } from './database/database-target.js';
import { migrateToLatest, migrationConnection } from './database/migrator.js';
import { MaintenanceService } from './jobs/maintenance.service.js';
import { MailService } from './mail/mail.service.js';

/**
 * The HTTP server: config → database (embedded PostgreSQL when DATABASE_URL is unset) →
 * migrations (outside production) → listen. SIGINT/SIGTERM drain in-flight requests, close the
 * pool, then stop the embedded database, in that order.
 */
async function main(): Promise<void> {
  let config: ReturnType<typeof configFromProcessEnvironment>;
  try {
    config = configFromProcessEnvironment();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger({ ...config.log, asynchronous: true });
  let database: Awaited<ReturnType<typeof resolveDatabase>>;
  try {
    database = await resolveDatabase(config, (message) => logger.info(message));
  } catch (error) {
    // Only the embedded PostgreSQL starts here (a remote database is connected on the first
    // query): a DATA_DIR it cannot use was a bare stack trace, naming no variable (found in
    // review, 2026-12-07). Written directly: the asynchronous logger would not flush before exit.
    process.stderr.write(
      `Could not start the embedded PostgreSQL in DATA_DIR=${config.dataDir} (set DATA_DIR to a writable directory, or DATABASE_URL to use another server): ${(error as Error).message}\n`,
    );
    process.exit(1);
  }
  try {
    if (config.env !== 'production') {
      const db = await createDatabase(migrationConnection(database.connection));
      try {
        const { applied } = await migrateToLatest(db);
        if (applied.length > 0) logger.info({ applied }, 'migrations applied');
      } finally {
        await db.destroy();
      }
    }
    const app = await createApp({ config, database: database.connection, logger });
    let shuttingDown = false;
    const shutdown = async (signal: string) => {
      if (shuttingDown) return;
      shuttingDown = true;
      logger.info({ signal }, 'shutting down: draining in-flight requests');
      const force = setTimeout(() => {
        logger.error('shutdown timed out; exiting');
        void database.release().finally(() => process.exit(1));
      }, config.http.shutdownTimeoutMs);
      force.unref();
      await app.close();
      await database.release();
      logger.info('stopped');
      logger.flush?.();
      process.exit(0);
    };
    process.on('SIGINT', () => void shutdown('SIGINT'));
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
    // A long-running server loads zod before it listens, so no request waits for it (the Lambda
    // handler leaves it to the first request that validates: dto-schema.ts).
    await loadZod();
    await app.listen({ port: config.http.port, host: config.http.host });
    // Only the long-running server housekeeps in-process; Lambda never calls this.
    app.get(MaintenanceService).schedule(config.maintenanceIntervalMinutes);
    app.get(MailService).schedule(config.mail.retryIntervalSeconds);
    logger.info(
      `CloudNest API listening on http://${config.http.host}:${config.http.port}${config.http.prefix}`,
    );
  } catch (error) {
    logger.fatal({ err: error }, 'startup failed');
    await database.release();
    process.exit(1);
  }
}

await main();
