import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { grantApiUser } from '../../src/database/api-user.js';
import { createDatabase, type Database } from '../../src/database/database.factory.js';
import { migrateToLatest } from '../../src/database/migrator.js';
import { newUserRow } from '../../src/users/new-user.js';
import { testDialects, withCredentials } from '../support/test-database.js';

const password = () => randomBytes(18).toString('base64url');
const suffix = () => randomBytes(4).toString('hex');

/** Runs one statement on a server-level admin connection (the test cluster's superuser / root). */
async function asAdmin(dialect: 'postgres' | 'mysql', statement: string): Promise<void> {
  if (dialect === 'mysql') {
    const connection = await mysql.createConnection(String(process.env.TEST_MYSQL_URL));
    await connection.query(statement).finally(() => connection.end());
    return;
  }
  const client = new pg.Client({ connectionString: inject('postgresAdminUrl') });
  await client.connect();
  await client.query(statement).finally(() => client.end());
}

function urlFor(dialect: 'postgres' | 'mysql', user: string, secret: string, database: string): string {
  const url = new URL(dialect === 'mysql' ? String(process.env.TEST_MYSQL_URL) : inject('postgresAdminUrl'));
  url.pathname = `/${database}`;
  return withCredentials(url.toString(), user, secret);
}

/** What a statement run as `user` fails with, or undefined when it succeeds. */
async function refusal(db: Database, statement: ReturnType<typeof sql>): Promise<string | undefined> {
  return statement.execute(db).then(
    () => undefined,
    (error: { code?: string }) => String(error.code),
  );
}

/** The insufficient-privilege error of each dialect (PostgreSQL 42501; MySQL table/command denied). */
const DENIED = { postgres: ['42501'], mysql: ['ER_TABLEACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR'] };

describe.each(testDialects())('the API database user on %s', (dialect) => {
  const name = `api_user_${suffix()}`;
  const apiUser = `cloudnest_api_${suffix()}`;
  // On PostgreSQL the tables belong to a role shaped like the RDS master user: it may create
  // databases and roles but is no superuser, so the grants must work with an owner's rights only.
  // On MySQL, the test server's administrator, which like RDS's master user has GRANT OPTION.
  const master =
    dialect === 'postgres'
      ? `master_like_rds_${suffix()}`
      : decodeURIComponent(new URL(String(process.env.TEST_MYSQL_URL)).username);
  const masterPassword = password();
  let owner: Database;
  const opened: Database[] = [];
  const connectAs = async (user: string, secret: string): Promise<Database> => {
    const db = await createDatabase({ dialect, url: urlFor(dialect, user, secret, name), poolMax: 1 });
    opened.push(db);
    return db;
  };

  beforeAll(async () => {
    if (dialect === 'postgres') {
      await asAdmin(dialect, `create role ${master} login createrole createdb password '${masterPassword}'`);
      await asAdmin(dialect, `create database ${name} owner ${master}`);
      owner = await connectAs(master, masterPassword);
    } else {
      await asAdmin(dialect, `create database \`${name}\``);
      const admin = new URL(String(process.env.TEST_MYSQL_URL));
      owner = await connectAs(master, decodeURIComponent(admin.password));
    }
    await migrateToLatest(owner);
  });
  afterAll(async () => {
    for (const db of opened) await db.destroy();
    if (dialect === 'postgres') {
      await asAdmin(dialect, `drop database if exists ${name} with (force)`);
      await asAdmin(dialect, `drop role if exists ${apiUser}`);
      await asAdmin(dialect, `drop role if exists ${master}`);
    } else {
      await asAdmin(dialect, `drop database if exists \`${name}\``);
      await asAdmin(dialect, `drop user if exists '${apiUser}'@'%'`);
    }
  });

  it('creates the user with row rights on every application table and nothing more', async () => {
    const secret = password();
    await grantApiUser(owner, { username: apiUser, password: secret });
    const api = await connectAs(apiUser, secret);

    // Every application table: read, update and delete (statements that touch no row still need
    // the right), and a row of users written, changed and removed.
    const columns = (
      await sql<{ tableName: string; columnName: string }>`select table_name, column_name
        from information_schema.columns
        where table_schema = ${dialect === 'mysql' ? sql`database()` : sql`current_schema()`}
        and ordinal_position = 1 and table_name not like 'schema_migrations%'`.execute(owner)
    ).rows;
    expect(columns.map((column) => column.tableName)).toContain('users');
    expect(columns.length).toBeGreaterThan(10);
    for (const { tableName, columnName } of columns) {
      const [table, column] = [sql.table(tableName), sql.ref(columnName)];
      await sql`select count(*) from ${table}`.execute(api);
      await sql`update ${table} set ${column} = ${column} where 1 = 0`.execute(api);
      await sql`delete from ${table} where 1 = 0`.execute(api);
    }
    const id = '5d0e8f2a-6b4c-4d3e-9f1a-2b3c4d5e6f70';
    const row = newUserRow({
      id,
      email: 'granted@example.com',
      username: `granted_${suffix()}`,
      passwordHash: null,
      emailVerifiedAt: null,
      now: new Date(),
    });
    await api.insertInto('users').values(row).execute();
    await api.updateTable('users').set({ updatedAt: new Date() }).where('id', '=', id).execute();
    await api.deleteFrom('users').where('id', '=', id).execute();

    // The migrations' bookkeeping is readable (the migrator's status check) but not writable.
    await sql`select count(*) from schema_migrations`.execute(api);
    expect(DENIED[dialect]).toContain(await refusal(api, sql`delete from schema_migrations`));
    expect(DENIED[dialect]).toContain(
      await refusal(api, sql`insert into schema_migrations (name, timestamp) values ('x', 'y')`),
    );
    // No DDL of any kind.
    expect(DENIED[dialect]).toContain(await refusal(api, sql`drop table users`));
    expect(DENIED[dialect]).toContain(await refusal(api, sql`alter table users add column x int`));
    expect(DENIED[dialect]).toContain(await refusal(api, sql`create table intruder (id int)`));
    expect(DENIED[dialect]).toContain(await refusal(api, sql`truncate table sessions`));
    // Temporary tables: PostgreSQL gives PUBLIC the right on every database unless revoked; MySQL
    // needs CREATE TEMPORARY TABLES, which the per-table grants do not include.
    expect(DENIED[dialect]).toContain(await refusal(api, sql`create temporary table scratch (id int)`));
  });

  it('is idempotent, moves the user to a new password, and covers tables created since', async () => {
    const first = password();
    await grantApiUser(owner, { username: apiUser, password: first });
    await grantApiUser(owner, { username: apiUser, password: first });
    const before = await connectAs(apiUser, first);
    await sql`select 1`.execute(before);

    // What a later migration does: a table the last grant did not cover.
    await sql`create table later_feature (id int primary key)`.execute(owner);
    expect(DENIED[dialect]).toContain(await refusal(before, sql`insert into later_feature values (1)`));

    const rotated = password();
    await Promise.all([
      grantApiUser(owner, { username: apiUser, password: rotated }),
      grantApiUser(owner, { username: apiUser, password: rotated }),
    ]);
    const after = await connectAs(apiUser, rotated);
    await sql`insert into later_feature values (1)`.execute(after);
    await sql`delete from later_feature`.execute(after);
    const withOldPassword = await createDatabase({
      dialect,
      url: urlFor(dialect, apiUser, first, name),
      poolMax: 1,
      connectTimeoutMs: 5000,
    });
    try {
      await expect(sql`select 1`.execute(withOldPassword)).rejects.toThrow();
    } finally {
      await withOldPassword.destroy();
    }
  });

  // Found in review: mysql2 puts the failed statement on its errors, and these hold the password.
  it('fails without the password in the error when the user cannot be created', async () => {
    const secret = password();
    await grantApiUser(owner, { username: apiUser, password: secret });
    // The API user may not create users: its attempt fails at the first statement.
    const api = await connectAs(apiUser, secret);
    const other = { username: `cloudnest_other_${suffix()}`, password: password() };
    const failure = await grantApiUser(api, other).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(Error);
    const everything =
      JSON.stringify(failure, Object.getOwnPropertyNames(failure)) + String((failure as Error).cause ?? '');
    expect(everything).not.toContain(other.password);
  });

  // PostgreSQL only: MySQL has no search path; its grants use the database the URL names.
  if (dialect === 'postgres') {
    it('says so when the migrating user has no current schema', async () => {
      // One connection: the setting holds for the grant's statements.
      await sql`set search_path to ''`.execute(owner);
      try {
        await expect(grantApiUser(owner, { username: apiUser, password: password() })).rejects.toThrow(
          'The migrating user has no current schema',
        );
      } finally {
        await sql`set search_path to default`.execute(owner);
      }
    });
  }

  it('refuses to make the migrating user the API user', async () => {
    await expect(grantApiUser(owner, { username: master, password: password() })).rejects.toThrow(
      `The API user (${master}) is the user running the migrations`,
    );
  });
});
