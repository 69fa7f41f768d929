import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createDatabase } from '../../src/database/database.factory.js';
import { ensureDatabaseExists } from '../../src/database/ensure-database.js';
import { testDialects } from '../support/test-database.js';

/** The server URL of a dialect's test server with `database` (percent-encoded) as its path. */
function urlNaming(dialect: 'postgres' | 'mysql', database: string): string {
  const server = new URL(
    dialect === 'mysql' ? String(process.env.TEST_MYSQL_URL) : inject('postgresAdminUrl'),
  );
  server.pathname = `/${encodeURIComponent(database)}`;
  return server.toString();
}

async function dropDatabase(dialect: 'postgres' | 'mysql', name: string): Promise<void> {
  if (dialect === 'mysql') {
    const client = await mysql.createConnection(String(process.env.TEST_MYSQL_URL));
    await client.query(`drop database if exists ${client.escapeId(name)}`);
    await client.end();
    return;
  }
  const client = new pg.Client({ connectionString: inject('postgresAdminUrl') });
  await client.connect();
  await client.query(`drop database if exists ${client.escapeIdentifier(name)} with (force)`);
  await client.end();
}

describe.each(testDialects())('a database name with reserved URL characters on %s', (dialect) => {
  // `&`, `?` and `#` must be percent-encoded in a URL path; pg decoded its path with decodeURI,
  // which keeps them encoded, so the migration created `t&q?h#…` and the API asked for `t%26q…`.
  const name = `t&q?h#${randomBytes(4).toString('hex')}`;
  const url = urlNaming(dialect, name);
  afterAll(() => dropDatabase(dialect, name));

  it('is created by the migration step and then opened by the API under the same name', async () => {
    expect(await ensureDatabaseExists(url, dialect)).toBe(true);
    const db = await createDatabase({ url, dialect, poolMax: 1 });
    try {
      const current = dialect === 'mysql' ? sql`database()` : sql`current_database()`;
      const { rows } = await sql<{ name: string }>`select ${current} as name`.execute(db);
      expect(rows[0]?.name).toBe(name);
    } finally {
      await db.destroy();
    }
    expect(await ensureDatabaseExists(url, dialect)).toBe(false);
  });
});
