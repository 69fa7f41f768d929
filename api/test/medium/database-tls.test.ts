import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/database/database.factory.js';
import type { DatabaseTls } from '../../src/database/database-tls.js';
import { EmbeddedPostgres } from '../../src/database/embedded-postgres.js';
import { ensureDatabaseExists } from '../../src/database/ensure-database.js';

/**
 * DATABASE_SSL against a real PostgreSQL serving TLS with a certificate for 127.0.0.1 from a CA
 * made for the test (a stand-in for RDS and its CAs).
 */
describe('TLS to PostgreSQL (DATABASE_SSL, DATABASE_SSL_CA)', () => {
  let dir: string;
  let caFile: string;
  let server: EmbeddedPostgres;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cloudnest-tls-'));
    chmodSync(dir, 0o711);
    caFile = join(dir, 'ca.crt');
    const caKey = join(dir, 'ca.key');
    const certFile = join(dir, 'server.crt');
    const keyFile = join(dir, 'server.key');
    const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=CloudNest test CA',
      '-keyout',
      caKey,
      '-out',
      caFile,
    );
    openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      join(dir, 'server.csr'),
    );
    writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
    openssl(
      'x509',
      '-req',
      '-in',
      join(dir, 'server.csr'),
      '-CA',
      caFile,
      '-CAkey',
      caKey,
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      join(dir, 'server.ext'),
      '-out',
      certFile,
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

  async function sslInUse(tls: DatabaseTls, url = server.url()): Promise<boolean> {
    const db = await createDatabase({ url, dialect: 'postgres', tls, poolMax: 1 });
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
    expect(await sslInUse({ mode: 'require' })).toBe(true);
    expect(await sslInUse({ mode: 'disable' })).toBe(false);
  });

  it("verify-full connects when DATABASE_SSL_CA names the server's CA", async () => {
    expect(await sslInUse({ mode: 'verify-full', ca: { kind: 'file', path: caFile } })).toBe(true);
  });

  it("verify-full refuses a certificate Node's trust store or the RDS CAs did not sign", async () => {
    await expect(sslInUse({ mode: 'verify-full', ca: { kind: 'system' } })).rejects.toThrow(
      /unable to verify the first certificate/,
    );
    await expect(sslInUse({ mode: 'verify-full', ca: { kind: 'rds' } })).rejects.toThrow(
      /unable to verify the first certificate/,
    );
  });

  it('verify-full refuses a trusted certificate that names another host', async () => {
    const byName = server.url().replace('127.0.0.1', 'localhost');
    await expect(
      sslInUse({ mode: 'verify-full', ca: { kind: 'file', path: caFile } }, byName),
    ).rejects.toThrow(/Hostname\/IP does not match certificate's altnames/);
  });

  it('creates a missing database over verified TLS (the migration function path)', async () => {
    const url = server.url('created_over_tls');
    const tls: DatabaseTls = { mode: 'verify-full', ca: { kind: 'file', path: caFile } };
    expect(await ensureDatabaseExists(url, 'postgres', tls)).toBe(true);
    expect(await ensureDatabaseExists(url, 'postgres', tls)).toBe(false);
    await expect(
      ensureDatabaseExists(server.url('not_created'), 'postgres', {
        mode: 'verify-full',
        ca: { kind: 'rds' },
      }),
    ).rejects.toThrow(/unable to verify the first certificate/);
  });
});

/**
 * The same on MySQL, against the MariaDB of scripts/mariadb-test-server.sh (CI), which serves TLS
 * with a certificate for localhost and 127.0.0.1 from the CA in TEST_MYSQL_CA. mysql2 checks the
 * host name only when asked (`verifyIdentity`, which `verify-full` sets; see the unit spec), and
 * checks an IP host against the name "localhost". A host-name mismatch needs a second name for
 * this machine, which a fresh machine need not have, so that case is proven on PostgreSQL above.
 */
const mysqlServers = process.env.TEST_MYSQL_URL
  ? [{ url: process.env.TEST_MYSQL_URL, caFile: requiredCa(process.env.TEST_MYSQL_CA) }]
  : [];

/** A MySQL server to test without its CA would drop this group silently: refuse instead. */
function requiredCa(caFile: string | undefined): string {
  if (caFile) return caFile;
  throw new Error('TEST_MYSQL_URL is set without TEST_MYSQL_CA (scripts/mariadb-test-server.sh sets both)');
}

describe.for(mysqlServers)('TLS to MySQL (DATABASE_SSL, DATABASE_SSL_CA)', ({ url, caFile }) => {
  const byName = url.replace('127.0.0.1', 'localhost');

  async function cipherInUse(tls: DatabaseTls, at = byName): Promise<string> {
    const db = await createDatabase({ url: at, dialect: 'mysql', tls, poolMax: 1 });
    try {
      const { rows } = await sql<{ Value: string }>`show session status like 'Ssl_cipher'`.execute(db);
      return rows[0]?.Value ?? 'no such status variable';
    } finally {
      await db.destroy();
    }
  }

  it('encrypts with require, and not with disable', async () => {
    expect(await cipherInUse({ mode: 'require' })).toMatch(/^TLS_|^ECDHE-|^AES/);
    expect(await cipherInUse({ mode: 'disable' })).toBe('');
  });

  it("verify-full connects when DATABASE_SSL_CA names the server's CA, by name and by address", async () => {
    const tls: DatabaseTls = { mode: 'verify-full', ca: { kind: 'file', path: caFile } };
    expect(await cipherInUse(tls)).toMatch(/^TLS_|^ECDHE-|^AES/);
    expect(await cipherInUse(tls, url)).toMatch(/^TLS_|^ECDHE-|^AES/);
  });

  it("verify-full refuses a certificate Node's trust store or the RDS CAs did not sign", async () => {
    await expect(cipherInUse({ mode: 'verify-full', ca: { kind: 'system' } })).rejects.toThrow(
      /self[- ]signed certificate in certificate chain/,
    );
    await expect(cipherInUse({ mode: 'verify-full', ca: { kind: 'rds' } })).rejects.toThrow(
      /self[- ]signed certificate in certificate chain/,
    );
  });

  it('creates a missing database over verified TLS (the migration function path)', async () => {
    const target = new URL(byName);
    target.pathname = `/tls_${Date.now()}`;
    const tls: DatabaseTls = { mode: 'verify-full', ca: { kind: 'file', path: caFile } };
    expect(await ensureDatabaseExists(target.toString(), 'mysql', tls)).toBe(true);
    expect(await ensureDatabaseExists(target.toString(), 'mysql', tls)).toBe(false);
  });
});
