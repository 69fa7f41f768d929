import type { AppConfig } from '../config/app-config.js';
import { ConfigError } from '../config/app-config.js';
import { configFromProcessEnvironment } from '../config/environment.js';
import { createDatabase, type Database, type DatabaseConnectionOptions } from './database.factory.js';
import { resolveDatabase } from './database-target.js';
import { pendingMigrations } from './migrator.js';

/** What a command-line task gets: the configuration, its database connection and a Kysely on it. */
export interface DatabaseCliContext {
  readonly config: AppConfig;
  readonly connection: DatabaseConnectionOptions;
  readonly db: Database;
}

/**
 * Runs a command-line task (migrate, user:promote, users:purge) against DATABASE_URL or, when it
 * is unset, the embedded PostgreSQL under DATA_DIR (the running API's, if it is up); releases both
 * afterwards and reports any failure in one line (a configuration error as the list of bad
 * variables). Sets the exit code.
 * @param tune the task's connection from the configured one (the migrations' limits)
 */
export async function runDatabaseCli(
  failure: string,
  task: (context: DatabaseCliContext) => Promise<number>,
  tune: (connection: DatabaseConnectionOptions) => DatabaseConnectionOptions = (connection) => ({
    ...connection,
    poolMax: 1,
  }),
  { needsSchema = true }: { readonly needsSchema?: boolean } = {},
): Promise<void> {
  try {
    // migrate, user:promote and users:purge serve no API: no JWT/MFA keys or API_BASE_URL needed.
    const config = configFromProcessEnvironment({}, { servesApi: false });
    // While `npm start` runs, its embedded server owns the cluster: the task uses that server.
    const database = await resolveDatabase(config, (message) => process.stderr.write(`${message}\n`), {
      shareRunningServer: true,
    });
    try {
      const connection = tune(database.connection);
      const db = await createDatabase(connection);
      try {
        // A task on a database that was never migrated (a DATA_DIR `npm start` never ran on) failed
        // with a bare `relation "users" does not exist` (found in review, 2026-12-07).
        const pending = needsSchema ? await pendingMigrations(db) : [];
        if (pending.length > 0) {
          process.stderr.write(
            `${failure}: the database lacks ${pending.length} migration(s) (${pending.join(', ')}): run \`npm run migrate -- up\` first (npm start does it outside production).\n`,
          );
          process.exitCode = 1;
          return;
        }
        process.exitCode = await task({ config, connection, db });
      } finally {
        await db.destroy();
      }
    } finally {
      await database.release();
    }
  } catch (error) {
    const message = error instanceof ConfigError ? error.message : `${failure}: ${(error as Error).message}`;
    process.stderr.write(`${message}\n`);
    process.exitCode = 1;
  }
}

/**
 * The one email address a command takes (`npm run user:promote -- <email>`), or undefined after
 * writing the usage and setting exit code 2. Exactly one: anything after it was meant for
 * something (a second account, a flag the command does not have), and acting on the first while
 * ignoring the rest would hide that.
 */
export function singleEmailArgument(
  usage: string,
  args: readonly string[] = process.argv.slice(2),
): string | undefined {
  const [email, ...extra] = args;
  if (email?.includes('@') && extra.length === 0) return email;
  process.stderr.write(
    extra.length > 0
      ? `Unexpected argument(s) after the email: ${extra.join(' ')}\n${usage}\n`
      : `${usage}\n`,
  );
  process.exitCode = 2;
  return undefined;
}
