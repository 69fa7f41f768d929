import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { sql } from 'kysely';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { LambdaBundleReport } from '../../scripts/build-lambda.js';
import { TotpSecretCipher } from '../../src/auth/totp-secret-cipher.js';
import { createDatabase } from '../../src/database/database.factory.js';
import { migrations } from '../../src/database/migrations/index.js';
import type { MigrationResponse } from '../../src/migrate.lambda.js';
import { newUserRow } from '../../src/users/new-user.js';
import { buildLambdaForTest } from '../support/lambda-bundle.js';
import { type LambdaProcess, startLambdaProcess } from '../support/lambda-process.js';
import { startFakeSecretsManager, testSecretArn } from '../support/secrets-manager-server.js';
import { testConfig } from '../support/test-config.js';
import { testDialects, withCredentials } from '../support/test-database.js';

const ALL = Object.keys(migrations);

/** A server-level URL for `dialect` and ways to name, probe and drop a database on it. */
function serverFor(dialect: 'postgres' | 'mysql') {
  const admin = dialect === 'mysql' ? String(process.env.TEST_MYSQL_URL) : inject('postgresAdminUrl');
  const urlOf = (name: string) => {
    const url = new URL(admin);
    url.pathname = `/${name}`;
    return url.toString();
  };
  const run = async (sql: string, params: unknown[] = []): Promise<number> => {
    if (dialect === 'mysql') {
      const connection = await mysql.createConnection(admin);
      try {
        const [rows] = await connection.query(sql, params);
        return Array.isArray(rows) ? rows.length : 0;
      } finally {
        await connection.end();
      }
    }
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    try {
      return (await client.query(sql, params)).rowCount ?? 0;
    } finally {
      await client.end();
    }
  };
  return {
    urlOf,
    run,
    exists: async (name: string) =>
      (dialect === 'mysql'
        ? await run('select schema_name from information_schema.schemata where schema_name = ?', [name])
        : await run('select 1 from pg_database where datname = $1', [name])) > 0,
    drop: (name: string) =>
      run(
        dialect === 'mysql'
          ? `drop database if exists \`${name}\``
          : `drop database if exists "${name}" with (force)`,
      ),
    dropUser: (user: string) =>
      run(dialect === 'mysql' ? `drop user if exists '${user}'@'%'` : `drop role if exists ${user}`),
  };
}

let bundle: LambdaBundleReport;
beforeAll(async () => {
  bundle = await buildLambdaForTest('migrate');
});
afterAll(async () => {
  if (bundle) await rm(dirname(bundle.dir), { recursive: true, force: true });
});

describe.each(testDialects())('the bundled migration function on %s', (dialect) => {
  const server = serverFor(dialect);
  const created: string[] = [];
  const freshName = () => {
    const name = `lambda_migrate_${randomBytes(5).toString('hex')}`;
    created.push(name);
    return name;
  };
  const start = (name: string, env: Record<string, string> = {}): Promise<LambdaProcess> =>
    startLambdaProcess(join(bundle.dir, 'index.mjs'), {
      // What infra's migrationEnvironment() gives it: no JWT keys (it signs nothing).
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATABASE_URL: server.urlOf(name),
      ...env,
    });
  const users: string[] = [];
  afterAll(async () => {
    for (const name of created) await server.drop(name);
    for (const user of users) await server.dropUser(user);
  });

  it('creates a missing database, applies every migration, and is a no-op the second time', async () => {
    const name = freshName();
    expect(await server.exists(name)).toBe(false);
    const lambda = await start(name);
    try {
      expect(await lambda.invoke<MigrationResponse>({})).toEqual({ applied: ALL, pending: [] });
      expect(await server.exists(name)).toBe(true);
      expect(await lambda.invoke<MigrationResponse>({})).toEqual({ applied: [], pending: [] });
    } finally {
      await lambda.close();
    }
  });

  it('serialises concurrent invocations: each migration is applied exactly once', async () => {
    const name = freshName();
    const lambdas = await Promise.all([start(name), start(name), start(name)]);
    try {
      const reports = await Promise.all(lambdas.map((lambda) => lambda.invoke<MigrationResponse>({})));
      expect(reports.flatMap((report) => report.applied).sort()).toEqual([...ALL].sort());
      expect(reports.every((report) => report.pending.length === 0)).toBe(true);
    } finally {
      await Promise.all(lambdas.map((lambda) => lambda.close()));
    }
  });

  /**
   * A fresh database, a fake Secrets Manager holding the API user's secret (`arn`), and ways to
   * change that secret, run a deploy's migration and sign in as the API user.
   */
  const withApiUserSecret = async () => {
    const secrets = await startFakeSecretsManager();
    const name = freshName();
    const apiUser = `cloudnest_api_${randomBytes(4).toString('hex')}`;
    users.push(apiUser);
    const arn = testSecretArn('api-user');
    // The RDS shape CDK's DatabaseSecret stores, attached to the instance.
    const secretWith = (password: string) =>
      JSON.stringify({ engine: dialect, host: '127.0.0.1', username: apiUser, password, dbname: name });
    const env = { ...secrets.clientEnvironment, DATABASE_API_USER_SECRET_ARN: arn };
    const deploy = async (): Promise<MigrationResponse> => {
      const lambda = await start(name, env);
      try {
        return await lambda.invoke<MigrationResponse>({});
      } finally {
        await lambda.close();
      }
    };
    return {
      secrets,
      name,
      apiUser,
      arn,
      env,
      deploy,
      secretWith,
      setPassword: (password: string) => secrets.secrets.set(arn, secretWith(password)),
      connectAs: (password: string) =>
        createDatabase({
          dialect,
          url: withCredentials(server.urlOf(name), apiUser, password),
          poolMax: 1,
          connectTimeoutMs: 5000,
        }),
    };
  };

  it('given the API user secret, creates that user with row rights only, and moves it to a rotated password', async () => {
    const { secrets, name, apiUser, arn, env, deploy, setPassword, connectAs } = await withApiUserSecret();
    try {
      const first = randomBytes(18).toString('base64url');
      setPassword(first);
      expect(await deploy()).toEqual({ applied: ALL, pending: [], apiUser });
      const api = await connectAs(first);
      try {
        await sql`select count(*) from users`.execute(api);
        await expect(sql`drop table users`.execute(api)).rejects.toThrow(/denied|must be owner/);
      } finally {
        await api.destroy();
      }

      const rotated = randomBytes(18).toString('base64url');
      setPassword(rotated);
      expect(await deploy()).toEqual({ applied: [], pending: [], apiUser });
      const afterRotation = await connectAs(rotated);
      const withOldPassword = await connectAs(first);
      try {
        await sql`select count(*) from users`.execute(afterRotation);
        await expect(sql`select 1`.execute(withOldPassword)).rejects.toThrow();
      } finally {
        await afterRotation.destroy();
        await withOldPassword.destroy();
      }
      const reads = secrets.calls.filter(
        (call) => call.secretId === arn && call.target === 'secretsmanager.GetSecretValue',
      );
      expect(reads).toHaveLength(2);

      // A warm environment invoked again after a rotation (a manual run) reads the secret afresh:
      // with the value it had cached it would set the old password back.
      const warm = await start(name, env);
      try {
        await warm.invoke<MigrationResponse>({});
        const third = randomBytes(18).toString('base64url');
        setPassword(third);
        await warm.invoke<MigrationResponse>({});
        const afterWarmRun = await connectAs(third);
        try {
          await sql`select count(*) from users`.execute(afterWarmRun);
        } finally {
          await afterWarmRun.destroy();
        }
      } finally {
        await warm.close();
      }
    } finally {
      await secrets.close();
    }
  });

  // Found in review (2026-12-07): a deploy whose migration ran between a rotation's setSecret and
  // finishSecret set the password back to the outgoing AWSCURRENT value, and once finishSecret made
  // the new one current every new API connection was refused.
  it("leaves the API user's password to a rotation under way", async () => {
    const { secrets, apiUser, arn, deploy, secretWith, setPassword, connectAs } = await withApiUserSecret();
    const signsIn = async (password: string): Promise<boolean> => {
      const api = await connectAs(password);
      try {
        await sql`select count(*) from users`.execute(api);
        return true;
      } catch {
        return false;
      } finally {
        await api.destroy();
      }
    };
    try {
      const first = randomBytes(18).toString('base64url');
      setPassword(first);
      expect(await deploy()).toEqual({ applied: ALL, pending: [], apiUser });
      // The hosted single-user rotation: createSecret stores the pending version, setSecret signs
      // in as the user and changes its password to it; finishSecret has not run yet.
      const next = randomBytes(18).toString('base64url');
      secrets.pending.set(arn, secretWith(next));
      await server.run(
        dialect === 'mysql'
          ? `alter user '${apiUser}'@'%' identified by '${next}'`
          : `alter role ${apiUser} password '${next}'`,
      );
      expect(await deploy()).toEqual({ applied: [], pending: [], apiUser });
      expect(await signsIn(next)).toBe(true);
      // finishSecret: the pending version becomes current; the next deploy sets that password.
      setPassword(next);
      secrets.pending.delete(arn);
      expect(await deploy()).toEqual({ applied: [], pending: [], apiUser });
      expect([await signsIn(next), await signsIn(first)]).toEqual([true, false]);
    } finally {
      await secrets.close();
    }
  });

  // Found in review (2026-12-07): the master secret was read once per environment, so a deploy
  // that ran in a warm environment after the master password's rotation failed to connect.
  it('reads the master secret afresh on every run: a warm environment follows its rotation', async () => {
    const secrets = await startFakeSecretsManager();
    const name = freshName();
    const master = `cloudnest_master_${randomBytes(4).toString('hex')}`;
    users.push(master);
    const first = randomBytes(18).toString('base64url');
    await server.run(
      dialect === 'mysql'
        ? `create user '${master}'@'%' identified by '${first}'`
        : `create role ${master} login createdb createrole password '${first}'`,
    );
    if (dialect === 'mysql')
      await server.run(`grant all privileges on *.* to '${master}'@'%' with grant option`);
    const arn = testSecretArn('master');
    const port = Number(new URL(server.urlOf(name)).port);
    const setPassword = (password: string) =>
      secrets.secrets.set(
        arn,
        JSON.stringify({
          engine: dialect,
          host: '127.0.0.1',
          port,
          username: master,
          password,
          dbname: name,
        }),
      );
    setPassword(first);
    const warm = await startLambdaProcess(join(bundle.dir, 'index.mjs'), {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      ...secrets.clientEnvironment,
      DATABASE_SECRET_ARN: arn,
      DATABASE_ENGINE: dialect,
    });
    try {
      expect(await warm.invoke<MigrationResponse>({})).toEqual({ applied: ALL, pending: [] });
      const rotated = randomBytes(18).toString('base64url');
      await server.run(
        dialect === 'mysql'
          ? `alter user '${master}'@'%' identified by '${rotated}'`
          : `alter role ${master} password '${rotated}'`,
      );
      setPassword(rotated);
      expect(await warm.invoke<MigrationResponse>({})).toEqual({ applied: [], pending: [] });
    } finally {
      await warm.close();
      await secrets.close();
    }
  });

  it('answers CloudFormation custom-resource events and leaves the schema alone on Delete', async () => {
    const name = freshName();
    const lambda = await start(name);
    try {
      const createEvent = { RequestType: 'Create', ResourceProperties: {}, ResponseURL: '...' };
      expect(await lambda.invoke<MigrationResponse>(createEvent)).toEqual({
        applied: ALL,
        pending: [],
        PhysicalResourceId: 'cloudnest-database-schema',
        Data: { Applied: ALL.join(','), Pending: '' },
      });
      const deleteEvent = { RequestType: 'Delete', PhysicalResourceId: 'cloudnest-database-schema' };
      expect(await lambda.invoke<MigrationResponse>(deleteEvent)).toMatchObject({ applied: [], pending: [] });
      expect(await lambda.invoke<MigrationResponse>({ RequestType: 'Update' })).toMatchObject({
        applied: [],
        pending: [],
      });
    } finally {
      await lambda.close();
    }
  });

  it('given the MFA key, re-seals authenticator secrets sealed under a previous key after migrating', async () => {
    const name = freshName();
    const oldKey = 'old-mfa-encryption-key-0123456789abcdef';
    const newKey = 'new-mfa-encryption-key-0123456789abcdef';
    const withOldKey = await start(name, { MFA_ENCRYPTION_KEY: oldKey });
    const oldKeyId = await new TotpSecretCipher(testConfig({ MFA_ENCRYPTION_KEY: oldKey })).currentKeyId();
    try {
      expect(await withOldKey.invoke<MigrationResponse>({})).toEqual({
        applied: ALL,
        pending: [],
        authenticatorSecrets: { keyId: oldKeyId, resealed: 0, unreadable: 0, unreadableUserIds: [] },
      });
    } finally {
      await withOldKey.close();
    }
    const userId = '0b0c4d5e-6f70-4a81-9b2c-3d4e5f607182';
    const db = await createDatabase({ dialect, url: server.urlOf(name), poolMax: 1 });
    try {
      const now = new Date();
      await db
        .insertInto('users')
        .values(
          newUserRow({
            id: userId,
            email: 'rotated@example.com',
            username: 'rotated',
            passwordHash: null,
            emailVerifiedAt: null,
            now,
          }),
        )
        .execute();
      const sealed = await new TotpSecretCipher(testConfig({ MFA_ENCRYPTION_KEY: oldKey })).seal(
        userId,
        'JBSWY3DPEHPK3PXP',
      );
      await db
        .insertInto('totpCredentials')
        .values({ userId, secret: sealed, createdAt: now, confirmedAt: now, lastUsedStep: null })
        .execute();

      const rotated = await start(name, { MFA_ENCRYPTION_KEY: newKey, MFA_ENCRYPTION_PREVIOUS_KEYS: oldKey });
      try {
        const report = await rotated.invoke<MigrationResponse>({});
        expect(report.authenticatorSecrets).toMatchObject({ resealed: 1, unreadable: 0 });
        expect(rotated.output()).not.toMatch(/"level":50/);
        const { secret } = await db
          .selectFrom('totpCredentials')
          .select('secret')
          .where('userId', '=', userId)
          .executeTakeFirstOrThrow();
        expect(
          await new TotpSecretCipher(testConfig({ MFA_ENCRYPTION_KEY: newKey })).open(userId, secret),
        ).toBe('JBSWY3DPEHPK3PXP');
      } finally {
        await rotated.close();
      }
      // The old key dropped too early: the row is reported (the deploy still succeeds) in an
      // error line, which infra's MigrationsErrorLogs alarm matches ({ $.level >= 50 }).
      await db.updateTable('totpCredentials').set({ secret: sealed }).where('userId', '=', userId).execute();
      const dropped = await start(name, { MFA_ENCRYPTION_KEY: newKey });
      try {
        const report = await dropped.invoke<MigrationResponse>({});
        expect(report.authenticatorSecrets).toMatchObject({
          resealed: 0,
          unreadable: 1,
          unreadableUserIds: [userId],
        });
        const errorLine = dropped
          .output()
          .split('\n')
          .find((line) => line.includes('"level":50'));
        expect(JSON.parse(errorLine ?? '{}')).toMatchObject({
          level: 50,
          unreadable: 1,
          userIds: [userId],
          msg: expect.stringContaining('open under none of the MFA encryption keys'),
        });
      } finally {
        await dropped.close();
      }
    } finally {
      await db.destroy();
    }
  });
});
