import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module.js';
import { createLogger } from '../common/logging/logger.js';
import { runDatabaseCli } from '../database/database-cli.js';
import { MaintenanceService } from './maintenance.service.js';

/**
 * `npm run users:purge`: one maintenance run (`MaintenanceService`: erase accounts deleted over 30
 * days ago, remove unfinished uploads and temp files over 24 h, delete expired one-time tokens,
 * ended sessions, ended rate-limit counters and old security activity) against DATABASE_URL or the
 * embedded database.
 * For cron or a scheduled task where the server's in-process interval is off (or on Lambda).
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
      `purged ${report.purgedAccounts} deleted account(s), removed ${report.removedFiles} expired file(s), ${report.removedTokens} expired one-time token(s), ${report.removedSessions} ended session(s), ${report.removedRateLimitCounters} ended rate-limit counter(s), ${report.removedSecurityEvents} security event(s) past retention and ${report.removedOutboxMail} outbox message(s)\n`,
    );
    return 0;
  } finally {
    await context.close();
  }
});
