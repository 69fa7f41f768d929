import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, type Database } from '../../../api/src/database/database.factory.js';
import { EmbeddedPostgres } from '../../../api/src/database/embedded-postgres.js';
import { migrateToLatest } from '../../../api/src/database/migrator.js';

const DATABASE_NAME = 'cloudnest_bench';

/** A throwaway, migrated PostgreSQL for one benchmark: the same embedded server the API uses. */
export interface BenchDatabase {
  readonly url: string;
  /** A small pool for the benchmark's own reads (seeding, checks). */
  readonly db: Database;
  stop(): Promise<void>;
}

export async function startBenchDatabase(): Promise<BenchDatabase> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cloudnest-bench-pg-'));
  const server = await EmbeddedPostgres.start({ dataDir, ephemeral: true });
  try {
    await server.ensureDatabase(DATABASE_NAME);
    const url = server.url(DATABASE_NAME);
    const db = await createDatabase({ url, dialect: 'postgres', poolMax: 2 });
    await migrateToLatest(db);
    return {
      url,
      db,
      async stop() {
        await db.destroy();
        await server.stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}
