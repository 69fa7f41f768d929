import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/database/database.factory.js';
import { EmbeddedPostgres } from '../../src/database/embedded-postgres.js';
import { ensureDatabaseExists } from '../../src/database/ensure-database.js';

/**
 * DATABASE_SSL against a real PostgreSQL that serves TLS with a self-signed certificate (as a
 * stand-in for RDS, whose CA the Lambda trusts through NODE_EXTRA_CA_CERTS).
 */
describe('TLS to PostgreSQL (DATABASE_SSL)', () => {
  let dir: string;
  let server: EmbeddedPostgres;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cloudnest-tls-'));
    chmodSync(dir, 0o711);
    const certFile = join(dir, 'server.crt');
    const keyFile = join(dir, 'server.key');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: 'ignore' },
    );
    if (userInfo().uid === 0) {
      // The server runs as the postgres user and insists on owning its key (mode 0600).
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
      chownSync(keyFile, uid, gid);
      chownSync(certFile, uid, gid);
    }
    server = await EmbeddedPostgres.start({
      dataDir: join(dir, 'data'),
      ephemeral: true,
      settings: ['ssl=on', `ssl_cert_file=${certFile}`, `ssl_key_file=${keyFile}`],
    });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function sslInUse(tls: 'disable' | 'require' | 'verify-full'): Promise<boolean> {
    const db = await createDatabase({ url: server.url(), dialect: 'postgres', tls, poolMax: 1 });
    try {
      const { rows } = await sql<{
        ssl: boolean;
      }>`select ssl from pg_stat_ssl where pid = pg_backend_pid()`.execute(db);
      return rows[0]?.ssl === true;
    } finally {
      await db.destroy();
    }
  }

  it('encrypts with require, and not with disable', async () => {
    expect(await sslInUse('require')).toBe(true);
    expect(await sslInUse('disable')).toBe(false);
  });

  it('refuses a certificate no trusted CA signed under verify-full', async () => {
    await expect(sslInUse('verify-full')).rejects.toThrow(/self[- ]signed|certificate/i);
  });

  it('creates a missing database over TLS (the migration function path)', async () => {
    const url = server.url('created_over_tls');
    expect(await ensureDatabaseExists(url, 'postgres', 'require')).toBe(true);
    expect(await ensureDatabaseExists(url, 'postgres', 'require')).toBe(false);
  });
});
