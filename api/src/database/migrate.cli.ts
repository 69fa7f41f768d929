import { runDatabaseCli } from './database-cli.js';
import { migrateDown, migrateToLatest, migrationConnection, migrationStatus } from './migrator.js';

const USAGE = 'Usage: npm run migrate -- up|status|down --yes';

/**
 * `npm run migrate -- up|status|down --yes` against DATABASE_URL, or the embedded database when
 * unset. `down` drops what the latest migration created, data included, under whatever API still
 * runs on that database (whose next query on it fails), so it takes `--yes`: without it, it only
 * says what it would revert. There is no second flag for production: `--yes` is what every
 * environment asks, and production's message says so.
 */
const [command, ...flags] = process.argv.slice(2);
const confirmed = flags.length === 1 && flags[0] === '--yes';
if (command !== 'up' && command !== 'down' && command !== 'status') {
  process.stderr.write(`${USAGE}\n`);
  process.exitCode = 2;
} else if (command === 'down' && flags.length > 0 && !confirmed) {
  process.stderr.write(`${USAGE}\n`);
  process.exitCode = 2;
} else {
  await runDatabaseCli(
    'Migration failed',
    async ({ config, db }) => {
      if (command === 'up') {
        const { applied, pending } = await migrateToLatest(db);
        process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'already up to date\n');
        if (pending.length) process.stdout.write(`still pending: ${pending.join(', ')}\n`);
      } else if (command === 'down') {
        if (!confirmed) {
          const latest = (await migrationStatus(db)).filter((migration) => migration.executedAt).at(-1);
          process.stderr.write(
            [
              latest
                ? `down would revert ${latest.name} (applied ${latest.executedAt?.toISOString()}), dropping what it created and the data in it.`
                : 'down would revert nothing: no migration is applied.',
              ...(config.env === 'production'
                ? ['NODE_ENV is production: this is the production database; --yes is required here too.']
                : []),
              'Stop the API first (a server still running on this database fails on the reverted schema), then run:',
              '  npm run migrate -- down --yes',
              '',
            ].join('\n'),
          );
          return 2;
        }
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
    // Migrations are what make the schema.
    { needsSchema: false },
  );
}
