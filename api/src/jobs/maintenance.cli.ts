import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module.js';
import { ClockRepository } from '../common/clock/clock.repository.js';
import { createLogger } from '../common/logging/logger.js';
import { runDatabaseCli } from '../database/database-cli.js';
import { UPLOAD_RETENTION_MS } from '../files/file-purposes.js';
import { FilesRepository } from '../files/files.repository.js';
import { UsersRepository } from '../users/users.repository.js';
import { ACCOUNT_PURGE_AFTER_MS } from '../users/users.service.js';
import { MaintenanceService } from './maintenance.service.js';

/** How many of the accounts or files left behind are named; past it the count reads "at least". */
const NAMED_LEFTOVERS = 100;

/**
 * `npm run users:purge`: one maintenance run (`MaintenanceService`: erase accounts deleted over 30
 * days ago, remove unfinished uploads and temp files over 24 h, delete expired one-time tokens,
 * ended sessions, ended rate-limit counters and old security activity) against DATABASE_URL or the
 * embedded database.
 * For cron or a scheduled task where the server's in-process interval is off (or on Lambda).
 * Exits 1 when the run left an account or file it should have removed (storage unreachable, say):
 * the service logs each one as a WARN and carries on, which a scheduler never reads, and an
 * erasure past its date is what the run is for.
 */
await runDatabaseCli('Maintenance failed', async ({ config, connection }) => {
  const logger = createLogger({ ...config.log, level: 'warn' });
  const context = await NestFactory.createApplicationContext(
    AppModule.register({ config, database: connection, logger }),
    { logger: false },
  );
  try {
    // The cutoffs as of before the run: everything older was the run's to remove, so whatever of
    // it is still there afterwards failed (not something that came due while it ran).
    const startedAt = context.get(ClockRepository).now().getTime();
    const report = await context.get(MaintenanceService).runOnce();
    process.stdout.write(
      `purged ${report.purgedAccounts} deleted account(s), removed ${report.removedFiles} expired file(s), ${report.removedTokens} expired one-time token(s), ${report.removedSessions} ended session(s), ${report.removedRateLimitCounters} ended rate-limit counter(s), ${report.removedSecurityEvents} security event(s) past retention and ${report.removedOutboxMail} outbox message(s)\n`,
    );
    const accounts = await context
      .get(UsersRepository)
      .listDeletedBefore(new Date(startedAt - ACCOUNT_PURGE_AFTER_MS), NAMED_LEFTOVERS);
    const files = await context
      .get(FilesRepository)
      .listExpired(new Date(startedAt - UPLOAD_RETENTION_MS), NAMED_LEFTOVERS);
    if (accounts.length === 0 && files.length === 0) return 0;
    const count = (rows: readonly unknown[]) =>
      (rows.length < NAMED_LEFTOVERS ? '' : 'at least ') + rows.length;
    const problems = [
      ...(accounts.length
        ? [
            `${count(accounts)} deleted account(s) past their erasure date could not be purged (accounts ${accounts.map((user) => user.id).join(', ')})`,
          ]
        : []),
      ...(files.length
        ? [
            `${count(files)} expired file(s) could not be removed (files ${files.map((file) => file.id).join(', ')})`,
          ]
        : []),
    ];
    process.stderr.write(`Maintenance incomplete: ${problems.join('; ')}. The next run retries them.\n`);
    return 1;
  } finally {
    await context.close();
  }
});
