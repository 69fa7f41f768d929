import { ConfigError } from '../config/app-config.js';
import { configFromProcessEnvironment } from '../config/environment.js';
import { createDatabase } from './database.factory.js';
import { resolveDatabase } from './database-target.js';
import { migrateDown, migrateToLatest, migrationStatus } from './migrator.js';

const USAGE = 'Usage: npm run migrate -- up|down|status';

/** `npm run migrate -- up|down|status` against DATABASE_URL, or the embedded database when unset. */
async function run(command: string | undefined): Promise<number> {
  if (command !== 'up' && command !== 'down' && command !== 'status') {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const config = configFromProcessEnvironment();
  const database = await resolveDatabase(config, (message) => process.stderr.write(`${message}\n`));
  const db = await createDatabase({ ...database.connection, poolMax: 1 });
  try {
    if (command === 'up') {
      const { applied, pending } = await migrateToLatest(db);
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'already up to date\n');
      if (pending.length) process.stdout.write(`still pending: ${pending.join(', ')}\n`);
    } else if (command === 'down') {
      const reverted = await migrateDown(db);
      process.stdout.write(reverted.length ? `reverted: ${reverted.join(', ')}\n` : 'nothing to revert\n');
    } else {
      for (const { name, executedAt } of await migrationStatus(db)) {
        process.stdout.write(
          `${executedAt ? 'applied ' : 'pending '} ${name}${executedAt ? `  (${executedAt.toISOString()})` : ''}\n`,
        );
      }
    }
    return 0;
  } finally {
    await db.destroy();
    await database.release();
  }
}

try {
  process.exitCode = await run(process.argv[2]);
} catch (error) {
  process.stderr.write(
    `${error instanceof ConfigError ? error.message : `Migration failed: ${(error as Error).message}`}\n`,
  );
  process.exitCode = 1;
}
