import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { inject } from 'vitest';
import {
  createDatabase,
  type Database,
  type DatabaseConnectionOptions,
} from '../../src/database/database.factory.js';
import { migrateToLatest } from '../../src/database/migrator.js';
import { TEMPLATE_DATABASE } from './global-setup.js';

/** A database created for one test file, dropped by `drop()`. */
export interface TestDatabase {
  readonly dialect: 'postgres' | 'mysql';
  /** The connection URL (for child processes). */
  readonly url: string;
  readonly connection: DatabaseConnectionOptions;
  readonly db: Database;
  drop(): Promise<void>;
}

/** The dialects the medium tier runs against: PostgreSQL always, MySQL when TEST_MYSQL_URL is set. */
export function testDialects(): ('postgres' | 'mysql')[] {
  return process.env.TEST_MYSQL_URL ? ['postgres', 'mysql'] : ['postgres'];
}

function uniqueName(): string {
  return `test_${randomBytes(6).toString('hex')}`;
}

/** A fresh, migrated database on the embedded PostgreSQL (cloned from the migrated template). */
export async function createPostgresTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject('postgresAdminUrl');
  const name = uniqueName();
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name} template ${TEMPLATE_DATABASE}`);
  await admin.end();
  const url = adminUrl.replace(/\/postgres$/, `/${name}`);
  const connection: DatabaseConnectionOptions = { url, dialect: 'postgres', poolMax: 5 };
  const db = await createDatabase(connection);
  return {
    dialect: 'postgres',
    url,
    connection,
    db,
    async drop() {
      await db.destroy();
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

/** A fresh, migrated database on the MySQL/MariaDB server named by TEST_MYSQL_URL. */
export async function createMysqlTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.TEST_MYSQL_URL;
  if (!adminUrl) throw new Error('TEST_MYSQL_URL is not set');
  const name = uniqueName();
  const admin = await mysql.createConnection(adminUrl);
  await admin.query(`create database \`${name}\``);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const connection: DatabaseConnectionOptions = { url: url.toString(), dialect: 'mysql', poolMax: 5 };
  const db = await createDatabase(connection);
  await migrateToLatest(db);
  return {
    dialect: 'mysql',
    url: url.toString(),
    connection,
    db,
    async drop() {
      await db.destroy();
      const client = await mysql.createConnection(adminUrl);
      await client.query(`drop database if exists \`${name}\``);
      await client.end();
    },
  };
}

/** A fresh database of the given dialect. */
export function createTestDatabase(dialect: 'postgres' | 'mysql'): Promise<TestDatabase> {
  return dialect === 'mysql' ? createMysqlTestDatabase() : createPostgresTestDatabase();
}
