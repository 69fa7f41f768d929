import { commonJsExports } from '../common/modules/common-js.js';
import { type DatabaseTls, type DriverSsl, driverSslOption } from './database-tls.js';
import { postgresClientConfig } from './postgres-client-config.js';

/** SQLSTATEs PostgreSQL raises when a concurrent CREATE DATABASE of the same name won the race. */
const ALREADY_CREATED = new Set(['42P04', '23505']);

/**
 * Creates the database a URL names unless it exists, connecting to the same server's maintenance
 * database (`postgres`, else `template1`) or, on MySQL, to no database. Safe to run concurrently.
 * @returns true when this call created it
 */
export async function ensureDatabaseExists(
  url: string,
  dialect: 'postgres' | 'mysql',
  tls?: DatabaseTls,
): Promise<boolean> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (name === '') throw new Error('The database URL names no database.');
  const ssl = await driverSslOption(tls);
  return dialect === 'mysql'
    ? ensureMysqlDatabase(target, name, ssl)
    : ensurePostgresDatabase(target, name, ssl);
}

async function ensurePostgresDatabase(target: URL, name: string, ssl: DriverSsl): Promise<boolean> {
  const { default: pg } = await import('pg');
  const client = await connectToMaintenanceDatabase(pg, target, ssl);
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount !== 0) return false;
    try {
      await client.query(`create database ${client.escapeIdentifier(name)}`);
      return true;
    } catch (error) {
      if (ALREADY_CREATED.has(String((error as { code?: unknown }).code))) return false;
      throw error;
    }
  } finally {
    await client.end();
  }
}

async function connectToMaintenanceDatabase(
  pg: typeof import('pg').default,
  target: URL,
  ssl: DriverSsl,
): Promise<import('pg').Client> {
  let lastError: unknown;
  for (const maintenance of ['postgres', 'template1']) {
    const url = new URL(target);
    url.pathname = `/${maintenance}`;
    const settings = await postgresClientConfig(url.toString());
    const client = new pg.Client({ ...settings, connectionTimeoutMillis: 5000, ssl });
    try {
      await client.connect();
      return client;
    } catch (error) {
      lastError = error;
      await client.end().catch(() => {});
      // Only a missing maintenance database is worth another try; anything else is final.
      if ((error as { code?: unknown }).code !== '3D000') break;
    }
  }
  throw lastError;
}

async function ensureMysqlDatabase(target: URL, name: string, ssl: DriverSsl): Promise<boolean> {
  const mysql = commonJsExports(await import('mysql2/promise'), 'createConnection');
  const url = new URL(target);
  url.pathname = '/';
  const connection = await mysql.createConnection({
    uri: url.toString(),
    connectTimeout: 5000,
    ...(ssl ? { ssl } : {}),
  });
  try {
    // MySQL has IF NOT EXISTS and reports an existing database as a warning, not an error. The
    // character set is named: a server whose default is latin1 (as upstream MariaDB and MySQL 5.7
    // long had) gave tables that refuse text outside Latin-1 (migrator.ts checks it on every run).
    const [result] = await connection.query(
      `create database if not exists ${connection.escapeId(name)} character set utf8mb4`,
    );
    return (result as { warningStatus?: number }).warningStatus === 0;
  } finally {
    await connection.end();
  }
}
