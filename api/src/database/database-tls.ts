/**
 * TLS to the database server: `disable` (local servers), `require` (encrypted, certificate not
 * checked: for hosts whose CA is not in the trust store), `verify-full` (encrypted and the
 * certificate checked against Node's CAs plus NODE_EXTRA_CA_CERTS — e.g. the RDS bundle).
 * RDS PostgreSQL 15+ refuses unencrypted connections by default.
 */
export type DatabaseTls = 'disable' | 'require' | 'verify-full';

/** The `ssl` option both `pg` and `mysql2` understand. */
export function driverSslOption(tls: DatabaseTls | undefined): false | { rejectUnauthorized: boolean } {
  if (tls === undefined || tls === 'disable') return false;
  return { rejectUnauthorized: tls === 'verify-full' };
}
