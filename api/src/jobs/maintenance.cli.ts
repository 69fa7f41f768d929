import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module.js';
import { createLogger } from '../common/logging/logger.js';
import { runDatabaseCli } from '../database/database-cli.js';
import { MaintenanceRunError, MaintenanceService, namedLeftovers } from './maintenance.service.js';

/**
 * `npm run users:purge`: one maintenance run (`MaintenanceService`: erase accounts deleted over 30
 * days ago, remove unfinished uploads and temp files over 24 h, delete expired one-time tokens,
 * ended sessions, ended rate-limit counters and old security activity) against DATABASE_URL or the
 * embedded database.
 * For cron or a scheduled task where the server's in-process interval is off (or on Lambda).
 * Exits 1 when a step failed or the run left an account or file it should have removed (storage
 * unreachable, say), naming them from the run's report (a scheduler reads the exit code, not the
 * log; an erasure past its date is what the run is for), and prints what the other steps did.
 */
await runDatabaseCli('Maintenance failed', async ({ config, connection }) => {
  const logger = createLogger({ ...config.log, level: 'warn' });
  const context = await NestFactory.createApplicationContext(
    AppModule.register({ config, database: connection, logger }),
    { logger: false },
  );
  try {
    // A run with failed steps still reports what the others did and what they left behind.
    const { report, failure } = await context
      .get(MaintenanceService)
      .runOnce()
      .then(
        (done) => ({ report: done, failure: undefined }),
        (error: unknown) => {
          if (!(error instanceof MaintenanceRunError)) throw error;
          return { report: error.report, failure: error };
        },
      );
    process.stdout.write(
      `purged ${report.purgedAccounts} deleted account(s), removed ${report.removedFiles} expired file(s), ${report.removedTokens} expired one-time token(s), ${report.removedPendingRegistrations} expired registration(s), ${report.removedSessions} ended session(s), ${report.removedRateLimitCounters} ended rate-limit counter(s), ${report.removedSecurityEvents} security event(s) past retention and ${report.removedOutboxMail} outbox message(s)\n`,
    );
    const { unremovedFiles: files } = report;
    // The accounts left behind are one of the failures, named in the run's error.
    if (failure) process.stderr.write(`Maintenance failed: ${failure.message}\n`);
    if (files.length > 0) {
      process.stderr.write(
        `Maintenance incomplete: ${files.length} expired file(s) could not be removed (files ${namedLeftovers(files)}). The next run retries them.\n`,
      );
    }
    return failure || files.length > 0 ? 1 : 0;
  } finally {
    await context.close();
  }
});
