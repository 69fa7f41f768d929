import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module.js';
import { createLogger } from '../common/logging/logger.js';
import { ConfigError } from '../config/app-config.js';
import { configFromProcessEnvironment } from '../config/environment.js';
import { resolveDatabase } from '../database/database-target.js';
import { MaintenanceService } from './maintenance.service.js';

/**
 * `npm run users:purge`: one maintenance run (erase accounts deleted over 30 days ago, remove
 * unfinished uploads and temp files over 24 h) against DATABASE_URL or the embedded database.
 * For cron or a scheduled task where the server's in-process interval is off (or on Lambda).
 */
async function run(): Promise<number> {
  const config = configFromProcessEnvironment();
  const logger = createLogger({ ...config.log, level: 'warn' });
  const database = await resolveDatabase(config, (message) => process.stderr.write(`${message}\n`));
  try {
    const context = await NestFactory.createApplicationContext(
      AppModule.register({ config, database: { ...database.connection, poolMax: 1 }, logger }),
      { logger: false },
    );
    try {
      const report = await context.get(MaintenanceService).runOnce();
      process.stdout.write(
        `purged ${report.purgedAccounts} deleted account(s), removed ${report.removedFiles} expired file(s)\n`,
      );
      return 0;
    } finally {
      await context.close();
    }
  } finally {
    await database.release();
  }
}

try {
  process.exitCode = await run();
} catch (error) {
  process.stderr.write(
    `${error instanceof ConfigError ? error.message : `Maintenance failed: ${(error as Error).message}`}\n`,
  );
  process.exitCode = 1;
}
