import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module.js';
import { createLogger } from '../common/logging/logger.js';
import { runDatabaseCli } from '../database/database-cli.js';
import { MaintenanceService } from './maintenance.service.js';

/** How many of the accounts or files left behind are named; past it the rest are counted. */
const NAMED_LEFTOVERS = 100;

/**
 * `npm run users:purge`: one maintenance run (`MaintenanceService`: erase accounts deleted over 30
 * days ago, remove unfinished uploads and temp files over 24 h, delete expired one-time tokens,
 * ended sessions, ended rate-limit counters and old security activity) against DATABASE_URL or the
 * embedded database.
 * For cron or a scheduled task where the server's in-process interval is off (or on Lambda).
 * Exits 1 when the run left an account or file it should have removed (storage unreachable, say),
 * naming them from the run's report: the service only logs each one as a WARN and carries on,
 * which a scheduler never reads, and an erasure past its date is what the run is for.
 */
await runDatabaseCli('Maintenance failed', async ({ config, connection }) => {
  const logger = createLogger({ ...config.log, level: 'warn' });
  const context = await NestFactory.createApplicationContext(
    AppModule.register({ config, database: connection, logger }),
    { logger: false },
  );
  try {
    const report = await context.get(MaintenanceService).runOnce();
    process.stdout.write(
      `purged ${report.purgedAccounts} deleted account(s), removed ${report.removedFiles} expired file(s), ${report.removedTokens} expired one-time token(s), ${report.removedPendingRegistrations} expired registration(s), ${report.removedSessions} ended session(s), ${report.removedRateLimitCounters} ended rate-limit counter(s), ${report.removedSecurityEvents} security event(s) past retention and ${report.removedOutboxMail} outbox message(s)\n`,
    );
    const { unpurgedAccounts: accounts, unremovedFiles: files } = report;
    if (accounts.length === 0 && files.length === 0) return 0;
    const named = (ids: readonly string[]) =>
      ids.length <= NAMED_LEFTOVERS
        ? ids.join(', ')
        : `${ids.slice(0, NAMED_LEFTOVERS).join(', ')} and ${ids.length - NAMED_LEFTOVERS} more`;
    const problems = [
      ...(accounts.length
        ? [
            `${accounts.length} deleted account(s) past their erasure date could not be purged (accounts ${named(accounts)})`,
          ]
        : []),
      ...(files.length
        ? [`${files.length} expired file(s) could not be removed (files ${named(files)})`]
        : []),
    ];
    process.stderr.write(`Maintenance incomplete: ${problems.join('; ')}. The next run retries them.\n`);
    return 1;
  } finally {
    await context.close();
  }
});
