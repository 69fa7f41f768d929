import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { type ApiUserCredentials, grantApiUser } from '../../src/database/api-user.js';
import { createDatabase } from '../../src/database/database.factory.js';
import { EmbeddedPostgres } from '../../src/database/embedded-postgres.js';
import { migrateToLatest } from '../../src/database/migrator.js';

export const TEMPLATE_DATABASE = 'cloudnest_template';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the embedded server's maintenance database (for CREATE DATABASE). */
    postgresAdminUrl: string;
    /**
     * The user the app under test connects as: row rights only, granted by the migrations' own
     * code, as on AWS (database/api-user.ts). So every test that runs the API proves those rights
     * are enough for what it does.
     */
    apiUser: ApiUserCredentials;
  }
}

/**
 * One real PostgreSQL per test run, from the same embedded-postgres the app uses. The schema is
 * migrated once into a template database, and the API user granted its rights there; each test
 * file clones it (fast) for isolation.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  requireBothDialectsInCi();
  const dataDir = await mkdtemp(join(tmpdir(), 'cloudnest-test-pg-'));
  const server = await EmbeddedPostgres.start({ dataDir, ephemeral: true });
  await server.ensureDatabase(TEMPLATE_DATABASE);
  const db = await createDatabase({ url: server.url(TEMPLATE_DATABASE), dialect: 'postgres', poolMax: 1 });
  // One user for the whole run (users are per server); its grants are copied with the template.
  const apiUser = { username: 'cloudnest_api_test', password: randomBytes(18).toString('base64url') };
  try {
    await migrateToLatest(db);
    await grantApiUser(db, apiUser);
  } finally {
    await db.destroy();
  }
  project.provide('postgresAdminUrl', server.url());
  project.provide('apiUser', apiUser);
  return async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}

/**
 * The MySQL half of every dialect test runs only with TEST_MYSQL_URL (testDialects). In CI its
 * absence is an error, not a quietly shorter run (found in review: the GitHub workflow installed
 * MariaDB but never started it, and reported all green on PostgreSQL alone); elsewhere, a notice.
 */
function requireBothDialectsInCi(): void {
  if (process.env.TEST_MYSQL_URL) return;
  const how = 'start a MariaDB with eval "$(scripts/mariadb-test-server.sh)", as .ci/run does';
  if (process.env.CI)
    throw new Error(`CI must test both SQL dialects, but TEST_MYSQL_URL is not set: ${how}`);
  process.stderr.write(`TEST_MYSQL_URL is not set: the MySQL-dialect tests do not run (${how}).\n`);
}
