import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { type Database, dialectOf } from './database.factory.js';

/**
 * The database user the API connects as on AWS: rights to read and write the application's rows
 * and nothing else — no DDL, no other database, no user management. The migration function, which
 * holds the master user's secret, creates it and keeps its grants current after every migration
 * run, so an SQL injection or a stolen API credential cannot drop a table, read another schema or
 * create a user (docs/architecture.md, "The API's database user").
 */
export interface ApiUserCredentials {
  readonly username: string;
  readonly password: string;
}

/**
 * Lower-case identifiers that need no quoting in either dialect and fit MySQL's 32-character
 * user names; not a reserved prefix (`pg_`, `rds`), whose roles the server manages itself.
 */
const USERNAME = /^(?!pg_|rds)[a-z_][a-z0-9_]{0,31}$/;

/**
 * Printable ASCII without quotes, backslash or space: the passwords that CDK's `DatabaseSecret`
 * generates (it excludes those characters), and the only ones that are safe in a MySQL literal
 * whatever the server's `NO_BACKSLASH_ESCAPES` mode. At least 16 characters: it guards the data.
 */
const PASSWORD = /^[!#-&(-[\]-~]{16,128}$/;

/** The migration runs record their progress here; the API may read them, never change them. */
const MIGRATION_TABLES: readonly string[] = ['schema_migrations', 'schema_migrations_lock'];

/** Serialises concurrent migration runs' grants (CREATE ROLE is not idempotent on PostgreSQL). */
const GRANT_LOCK_KEY = 0x636e5f61; // 'cn_a'

/**
 * Reads the API user's name and password from a secret in the RDS JSON shape. Fails naming the
 * secret and the problem (never the value): a wrong secret is a deployment mistake.
 */
export function apiUserCredentialsFromSecret(
  secret: Readonly<Record<string, unknown>>,
  secretId: string,
): ApiUserCredentials {
  const { username, password } = secret;
  if (typeof username !== 'string' || !USERNAME.test(username)) {
    throw new Error(
      `API user secret ${secretId}: username must be 1–32 characters of a–z, 0–9 and _, starting with a letter or _ (not pg_ or rds…).`,
    );
  }
  if (typeof password !== 'string' || !PASSWORD.test(password)) {
    throw new Error(
      `API user secret ${secretId}: password must be 16–128 printable ASCII characters without quotes, backslash or space.`,
    );
  }
  return { username, password };
}

export interface GrantApiUserOptions {
  /**
   * Leave an existing user's password as it is (a new user still gets the given one): while a
   * rotation of its secret is under way the database may already hold the pending password, which
   * setting the current one would undo just before the rotation makes the pending one current.
   * @default false
   */
  readonly keepPassword?: boolean;
}

/**
 * Creates the API user if it does not exist, sets its password to the secret's (so rotating the
 * secret and running the migrations again moves the user to the new password) unless told to keep
 * it, and grants it SELECT, INSERT, UPDATE and DELETE on every application table of the current
 * database, SELECT only on the migration tables. Idempotent; run after the migrations, by the user
 * that owns the tables (the RDS master user), never the API user itself.
 */
export async function grantApiUser(
  db: Database,
  credentials: ApiUserCredentials,
  { keepPassword = false }: GrantApiUserOptions = {},
): Promise<void> {
  const { username } = apiUserCredentialsFromSecret({ ...credentials }, 'given to grantApiUser');
  const current = await sql<{ name: string }>`select current_user as name`.execute(db);
  // MySQL answers user@host; PostgreSQL the role.
  if (current.rows[0]?.name.split('@')[0] === username) {
    throw new Error(
      `The API user (${username}) is the user running the migrations: give the API its own user, with its own secret.`,
    );
  }
  if (dialectOf(db) === 'mysql') await grantMysqlUser(db, credentials, keepPassword);
  else await grantPostgresRole(db, credentials, keepPassword);
}

async function grantPostgresRole(
  db: Database,
  { username, password }: ApiUserCredentials,
  keepPassword: boolean,
): Promise<void> {
  const role = sql.id(username);
  // A SCRAM verifier rather than the password: the statement text (which the server may log
  // with an error) never holds the password itself.
  const verifier = sql.lit(scramSha256Verifier(password));
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${GRANT_LOCK_KEY})`.execute(trx);
    const existing = await sql`select 1 from pg_roles where rolname = ${username}`.execute(trx);
    if (existing.rows.length === 0) await sql`create role ${role} login password ${verifier}`.execute(trx);
    else if (keepPassword) await sql`alter role ${role} with login`.execute(trx);
    else await sql`alter role ${role} with login password ${verifier}`.execute(trx);
    const names = await sql<{ database: string; schema: string | null }>`
      select current_database() as database, current_schema() as schema`.execute(trx);
    const { database, schema } = names.rows[0] ?? { database: '', schema: null };
    // The tables are wherever the migrations created them: the first schema of the search path.
    if (schema === null) {
      throw new Error(
        'The migrating user has no current schema (an empty search_path): no tables to grant on.',
      );
    }
    await sql`grant connect on database ${sql.id(database)} to ${role}`.execute(trx);
    // PostgreSQL gives every role (PUBLIC) temporary tables on every database; the API needs none,
    // and this database belongs to CloudNest alone (its owner keeps the right as owner).
    await sql`revoke temporary on database ${sql.id(database)} from public`.execute(trx);
    await sql`grant usage on schema ${sql.id(schema)} to ${role}`.execute(trx);
    await sql`grant select, insert, update, delete on all tables in schema ${sql.id(schema)} to ${role}`.execute(
      trx,
    );
    await sql`grant usage, select on all sequences in schema ${sql.id(schema)} to ${role}`.execute(trx);
    const migrationTables = await existingTables(trx, MIGRATION_TABLES);
    if (migrationTables.length > 0) {
      await sql`revoke insert, update, delete on ${sql.join(migrationTables.map((t) => sql.table(t)))} from ${role}`.execute(
        trx,
      );
    }
  });
}

async function grantMysqlUser(
  db: Database,
  { username, password }: ApiUserCredentials,
  keepPassword: boolean,
): Promise<void> {
  // 'name'@'%': the API connects from whatever address its subnets give it. The literals are safe:
  // both match patterns without quotes or backslashes (apiUserCredentialsFromSecret).
  const user = sql.raw(`'${username}'@'%'`);
  const secret = sql.raw(`'${password}'`);
  await withoutStatement(sql`create user if not exists ${user} identified by ${secret}`.execute(db));
  if (!keepPassword) await withoutStatement(sql`alter user ${user} identified by ${secret}`.execute(db));
  // Table by table rather than on `db`.*: MySQL privileges add up, so under a database-wide grant
  // the migration tables could not stay read-only. A table a later migration creates gets its
  // grant from the same run, before the API that uses it is deployed.
  const tables = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = database() and table_type = 'BASE TABLE'`.execute(db);
  for (const { name } of tables.rows) {
    const rights = MIGRATION_TABLES.includes(name) ? sql`select` : sql`select, insert, update, delete`;
    await sql`grant ${rights} on ${sql.table(name)} to ${user}`.execute(db);
  }
}

/**
 * mysql2 attaches the failed statement (`sql`) to its errors, and these statements hold the
 * password: an error thrown as is would reach the function's log with it (found in review). The
 * replacement keeps the server's code and message, nothing else.
 */
async function withoutStatement<T>(statement: Promise<T>): Promise<T> {
  try {
    return await statement;
  } catch (error) {
    const { code, sqlMessage, message } = error as { code?: string; sqlMessage?: string; message?: string };
    throw new Error(
      `Creating or updating the API user failed: ${code ?? 'error'}: ${sqlMessage ?? message ?? ''}`,
    );
  }
}

/** Which of `names` exist as tables in the current schema (a fresh database has no lock table yet). */
async function existingTables(db: Database, names: readonly string[]): Promise<string[]> {
  const found = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = current_schema() and table_name in (${sql.join([...names])})`.execute(db);
  return found.rows.map((row) => row.name);
}

/**
 * PostgreSQL's stored form of a SCRAM-SHA-256 password (RFC 5802/7677, as `psql \password`
 * computes it): `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`. The server accepts
 * it in CREATE/ALTER ROLE … PASSWORD and stores it as is. The password is ASCII without spaces,
 * which SASLprep leaves unchanged.
 */
export function scramSha256Verifier(
  password: string,
  salt: Buffer = randomBytes(16),
  iterations = 4096,
): string {
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
