import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createDatabase } from '../../src/database/database.factory.js';
import { ensureDatabaseExists } from '../../src/database/ensure-database.js';
import { migrateToLatest } from '../../src/database/migrator.js';
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

describe.each(testDialects())('a database whose text encoding is not UTF-8, on %s', (dialect) => {
  const name = `latin_${randomBytes(4).toString('hex')}`;
  const url = urlNaming(dialect, name);
  afterAll(() => dropDatabase(dialect, name));

  // Found in review (2026-12-08): on a latin1 database a Korean display name was a 500.
  it('is refused by the migration step, naming the encoding, with nothing applied', async () => {
    if (dialect === 'mysql') {
      const client = await mysql.createConnection(String(process.env.TEST_MYSQL_URL));
      await client.query(`create database ${client.escapeId(name)} character set latin1`);
      await client.end();
    } else {
      const client = new pg.Client({ connectionString: inject('postgresAdminUrl') });
      await client.connect();
      await client.query(
        `create database ${client.escapeIdentifier(name)} template template0 encoding 'SQL_ASCII' lc_collate 'C' lc_ctype 'C'`,
      );
      await client.end();
    }
    const db = await createDatabase({ url, dialect, poolMax: 1 });
    try {
      await expect(migrateToLatest(db)).rejects.toThrow(
        dialect === 'mysql'
          ? `The database ${name} stores text as latin1; CloudNest needs utf8mb4.`
          : `The database ${name} stores text as SQL_ASCII; CloudNest needs UTF8.`,
      );
      const schema = dialect === 'mysql' ? sql`database()` : sql`current_schema()`;
      const { rows } = await sql<{ n: number }>`select count(*) as n from information_schema.tables
        where table_schema = ${schema}`.execute(db);
      expect(Number(rows[0]?.n)).toBe(0);
    } finally {
      await db.destroy();
    }
  });

  it('is not what the migration step creates', async () => {
    const created = `utf_${randomBytes(4).toString('hex')}`;
    const createdUrl = urlNaming(dialect, created);
    try {
      expect(await ensureDatabaseExists(createdUrl, dialect)).toBe(true);
      const db = await createDatabase({ url: createdUrl, dialect, poolMax: 1 });
      try {
        expect((await migrateToLatest(db)).pending).toEqual([]);
      } finally {
        await db.destroy();
      }
    } finally {
      await dropDatabase(dialect, created);
    }
  });
});
