import { runDatabaseCli } from './database-cli.js';
import { migrateDown, migrateToLatest, migrationConnection, migrationStatus } from './migrator.js';

const USAGE = 'Usage: npm run migrate -- up|down|status';

/** `npm run migrate -- up|down|status` against DATABASE_URL, or the embedded database when unset. */
const command = process.argv[2];
if (command !== 'up' && command !== 'down' && command !== 'status') {
  process.stderr.write(`${USAGE}\n`);
  process.exitCode = 2;
} else {
  await runDatabaseCli(
    'Migration failed',
    async ({ db }) => {
      if (command === 'up') {
        const { applied, pending } = await migrateToLatest(db);
        process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'already up to date\n');
        if (pending.length) process.stdout.write(`still pending: ${pending.join(', ')}\n`);
      } else if (command === 'down') {
        const reverted = await migrateDown(db);
        process.stdout.write(reverted.length ? `reverted: ${reverted.join(', ')}\n` : 'nothing to revert\n');
      } else {
        for (const { name, executedAt } of await migrationStatus(db)) {
          const when = executedAt ? `  (${executedAt.toISOString()})` : '';
          process.stdout.write(`${executedAt ? 'applied ' : 'pending '} ${name}${when}\n`);
        }
      }
      return 0;
    },
    migrationConnection,
  );
}
