import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { inject } from 'vitest';
import { grantApiUser } from '../../src/database/api-user.js';
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
  /** The connection URL of the API user (for child processes), as the app connects on AWS. */
  readonly url: string;
  /** How the app under test connects: as the API user (row rights only; see global-setup.ts). */
  readonly connection: DatabaseConnectionOptions;
  /** A connection as the API user, for the test's own rows. */
  readonly db: Database;
  /** How the migrations connect: as the tables' owner (DDL; the administrator here). */
  readonly ownerConnection: DatabaseConnectionOptions;
  /** A connection as the tables' owner, for what only migrations may do. */
  readonly owner: Database;
  drop(): Promise<void>;
}

/** `url` with `username` and `password` in place of the ones it names. */
export function withCredentials(url: string, username: string, password: string): string {
  const withUser = new URL(url);
  withUser.username = username;
  withUser.password = password;
  return withUser.toString();
}

/** `url` with the API user's name and password in place of the administrator's. */
function asApiUser(url: string): string {
  const { username, password } = inject('apiUser');
  return withCredentials(url, username, password);
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
  const ownerUrl = adminUrl.replace(/\/postgres$/, `/${name}`);
  const url = asApiUser(ownerUrl);
  const connection: DatabaseConnectionOptions = { url, dialect: 'postgres', poolMax: 5 };
  const db = await createDatabase(connection);
  const ownerConnection: DatabaseConnectionOptions = { url: ownerUrl, dialect: 'postgres', poolMax: 2 };
  const owner = await createDatabase(ownerConnection);
  return {
    dialect: 'postgres',
    url,
    connection,
    db,
    ownerConnection,
    owner,
    async drop() {
      await db.destroy();
      await owner.destroy();
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
  const ownerUrl = new URL(adminUrl);
  ownerUrl.pathname = `/${name}`;
  const ownerConnection: DatabaseConnectionOptions = {
    url: ownerUrl.toString(),
    dialect: 'mysql',
    poolMax: 2,
  };
  const owner = await createDatabase(ownerConnection);
  await migrateToLatest(owner);
  await grantApiUser(owner, inject('apiUser'));
  const url = asApiUser(ownerUrl.toString());
  const connection: DatabaseConnectionOptions = { url, dialect: 'mysql', poolMax: 5 };
  const db = await createDatabase(connection);
  return {
    dialect: 'mysql',
    url,
    connection,
    db,
    ownerConnection,
    owner,
    async drop() {
      await db.destroy();
      await owner.destroy();
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
