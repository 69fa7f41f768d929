import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { createDatabase } from '../../src/database/database.factory.js';
import { EmbeddedPostgres } from '../../src/database/embedded-postgres.js';
import { migrateToLatest } from '../../src/database/migrator.js';

export const TEMPLATE_DATABASE = 'cloudnest_template';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the embedded server's maintenance database (for CREATE DATABASE). */
    postgresAdminUrl: string;
  }
}

/**
 * One real PostgreSQL per test run, from the same embedded-postgres the app uses. The schema is
 * migrated once into a template database; each test file clones it (fast) for isolation.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cloudnest-test-pg-'));
  const server = await EmbeddedPostgres.start({ dataDir, ephemeral: true });
  await server.ensureDatabase(TEMPLATE_DATABASE);
  const db = await createDatabase({ url: server.url(TEMPLATE_DATABASE), dialect: 'postgres', poolMax: 1 });
  try {
    await migrateToLatest(db);
  } finally {
    await db.destroy();
  }
  project.provide('postgresAdminUrl', server.url());
  return async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
