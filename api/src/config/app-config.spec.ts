import { generateKeyPairSync } from 'node:crypto';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './app-config.js';

const base = { NODE_ENV: 'test' };
const production = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://u:p@db/app',
  JWT_SECRET: 'x'.repeat(32),
  MFA_ENCRYPTION_KEY: 'm'.repeat(32),
  API_BASE_URL: 'https://api.example.com',
  PUBLIC_BASE_URL: 'https://app.example.com',
};

function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig(env, '/srv/app');
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const ed25519 = (() => {
  const { privateKey } = generateKeyPairSync('ed25519');
  return {
    pem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    jwk: privateKey.export({ format: 'jwk' }) as Record<string, string>,
  };
})();

describe('loadConfig', () => {
  it('applies documented defaults', () => {
    const config = loadConfig(base, '/srv/app');
    expect(config.http.port).toBe(3000);
    expect(config.http.prefix).toBe('');
    expect(config.http.host).toBe('127.0.0.1');
    expect(config.dataDir).toBe('/srv/app/.data');
    expect(config.database).toMatchObject({ kind: 'embedded', dialect: 'postgres' });
  });

  it('listens on all interfaces in production', () => {
    expect(loadConfig(production, '/').http.host).toBe('0.0.0.0');
  });

  it('picks the dialect from the DATABASE_URL scheme', () => {
    expect(loadConfig({ ...base, DATABASE_URL: 'mysql://u:p@db:3306/app' }, '/').database).toMatchObject({
      kind: 'url',
      dialect: 'mysql',
    });
    expect(loadConfig({ ...base, DATABASE_URL: 'postgresql://u:p@db/app' }, '/').database).toMatchObject({
      dialect: 'postgres',
    });
  });

  it('fails naming PORT when it is not a port number', () => {
    expect(problemsOf({ ...base, PORT: 'abc' })).toBe('Invalid environment: PORT must be an integer 1-65535');
    expect(problemsOf({ ...base, PORT: '70000' })).toContain('PORT must be an integer 1-65535');
  });

  it('reports every bad variable in one error', () => {
    const message = problemsOf({
      ...base,
      PORT: '0',
      DATABASE_URL: 'redis://x/y',
      API_PREFIX: 'api/',
      LOG_LEVEL: 'loud',
    });
    expect(message).toContain('PORT must be an integer 1-65535');
    expect(message).toContain('DATABASE_URL must start with postgres://, postgresql:// or mysql://');
    expect(message).toContain('API_PREFIX must be empty or a path like /api');
    expect(message).toContain('LOG_LEVEL must be one of');
  });

  // Found in review (2026-12-07): each of these loaded, then misbehaved without naming the variable.
  it('refuses an empty HOST, a DATABASE_URL with an upper-case or indented scheme, and API_PREFIX dot segments', () => {
    expect(problemsOf({ ...base, HOST: '' })).toBe('Invalid environment: HOST must not be empty');
    for (const url of ['MYSQL://u:p@db/app', ' mysql://u:p@db/app', 'Postgres://u:p@db/app']) {
      expect(problemsOf({ ...base, DATABASE_URL: url }), url).toBe(
        'Invalid environment: DATABASE_URL must start with postgres://, postgresql:// or mysql://',
      );
    }
    for (const prefix of ['/.', '/..', '/api/..', '/./api']) {
      expect(problemsOf({ ...base, API_PREFIX: prefix }), prefix).toBe(
        'Invalid environment: API_PREFIX must not contain . or .. segments (clients resolve them away)',
      );
    }
    expect(loadConfig({ ...base, API_PREFIX: '/v1.2/.well' }, '/').http.prefix).toBe('/v1.2/.well');
    expect(loadConfig({ ...base, DATABASE_URL: 'mysql://u:p@db/app' }, '/').database).toMatchObject({
      dialect: 'mysql',
    });
  });

  it('refuses a wildcard CORS origin in production but allows it in development', () => {
    expect(
      problemsOf({
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://u:p@db/app',
        CORS_ALLOWED_ORIGINS: '*',
      }),
    ).toContain('CORS_ALLOWED_ORIGINS must list explicit origins in production');
    // Anywhere in the list (mutation testing, 2026-12-07: a check of the first entry alone passed).
    expect(
      problemsOf({
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://u:p@db/app',
        CORS_ALLOWED_ORIGINS: 'https://app.example.com,*',
      }),
    ).toContain('CORS_ALLOWED_ORIGINS must list explicit origins in production');
    expect(loadConfig({ NODE_ENV: 'development', CORS_ALLOWED_ORIGINS: '*' }, '/').http.corsOrigins).toEqual([
      '*',
    ]);
  });

  it('rejects malformed origins', () => {
    expect(problemsOf({ ...base, CORS_ALLOWED_ORIGINS: 'https://ok.example.com, not a url' })).toContain(
      'CORS_ALLOWED_ORIGINS has "not a url"',
    );
  });

  // Found in review: any text passed, and createApp then threw proxy-addr's own error.
  it('refuses TRUSTED_PROXIES entries that are no address, range or proxy-addr name, naming the variable', () => {
    for (const entry of [
      'not-an-ip',
      '10.0.0.0/33',
      '10.0.0.0/0',
      '10.0.0.0/',
      '10.0.0.0/8/8',
      '10.0.0.0/x',
      '::1/129',
      '256.0.0.1',
      'localhost',
    ]) {
      expect(problemsOf({ ...base, TRUSTED_PROXIES: `127.0.0.1, ${entry}` })).toBe(
        `Invalid environment: TRUSTED_PROXIES has "${entry}", which is not an IP address, a CIDR range like 10.0.0.0/8, loopback, linklocal or uniquelocal`,
      );
    }
  });

  it('accepts TRUSTED_PROXIES addresses, CIDR ranges and proxy-addr names, all of which Fastify takes', () => {
    const entries = [
      '127.0.0.1',
      '10.0.0.0/8',
      '10.0.0.0/32',
      '::1',
      'fd00::/8',
      '::/128',
      'loopback',
      'linklocal',
      'uniquelocal',
    ];
    const { trustedProxies } = loadConfig({ ...base, TRUSTED_PROXIES: entries.join(', ') }, '/').http;
    expect(trustedProxies).toEqual(entries);
    expect(() => Fastify({ trustProxy: [...trustedProxies] })).not.toThrow();
  });

  it('requires an explicit database in production (no embedded PostgreSQL there)', () => {
    expect(problemsOf({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) })).toContain(
      'DATABASE_URL is required in production',
    );
  });

  it('refuses a JWT_SECRET shorter than 32 characters and selects HS256 with a long one', () => {
    expect(problemsOf({ ...base, JWT_SECRET: 'too-short' })).toBe(
      'Invalid environment: JWT_SECRET must be at least 32 characters',
    );
    expect(loadConfig({ ...base, JWT_SECRET: 's'.repeat(32) }, '/').auth.jwt.algorithm).toBe('HS256');
    expect(loadConfig(base, '/').auth.jwt.algorithm).toBe('EdDSA');
  });

  it('requires a signing key in production and refuses two kinds at once', () => {
    expect(problemsOf({ NODE_ENV: 'production', DATABASE_URL: 'postgres://u:p@db/app' })).toContain(
      'JWT_PRIVATE_KEY is required in production',
    );
    expect(problemsOf({ ...base, JWT_SECRET: 's'.repeat(32), JWT_PRIVATE_KEY: ed25519.pem })).toContain(
      'mutually exclusive',
    );
  });

  it('accepts an Ed25519 private key as a PEM (also with escaped line breaks) or a private JWK', () => {
    for (const key of [ed25519.pem, ed25519.pem.replaceAll('\n', '\\n'), JSON.stringify(ed25519.jwk)]) {
      const config = loadConfig({ ...base, JWT_PRIVATE_KEY: key }, '/');
      expect(config.auth.jwt).toMatchObject({ algorithm: 'EdDSA', privateKey: key });
    }
  });

  it('refuses at boot, naming the variable, a JWT key the token code could not use', () => {
    const { d: _private, ...publicJwk } = ed25519.jwk;
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    for (const key of [
      'paste-the-key-here',
      '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----',
      '{"kty": "OKP"',
      JSON.stringify(publicJwk),
      rsa.export({ format: 'pem', type: 'pkcs8' }).toString(),
    ]) {
      expect(problemsOf({ ...base, JWT_PRIVATE_KEY: key })).toContain(
        'JWT_PRIVATE_KEY must be an Ed25519 private key',
      );
    }
    for (const keys of ['{"keys": [', '"text"', '{"keys": "no"}', JSON.stringify([{ kty: 'OKP' }])]) {
      expect(problemsOf({ ...base, JWT_PREVIOUS_PUBLIC_KEYS: keys })).toContain(
        'JWT_PREVIOUS_PUBLIC_KEYS must be JSON',
      );
    }
    for (const keys of [
      publicJwk,
      [publicJwk],
      { keys: [publicJwk] },
      { ...publicJwk, kid: 'old', d: 'x' },
    ]) {
      const config = loadConfig({ ...base, JWT_PREVIOUS_PUBLIC_KEYS: JSON.stringify(keys) }, '/');
      expect(config.auth.jwt).toMatchObject({ previousPublicKeys: JSON.stringify(keys) });
    }
  });

  it('parses rate limits as N/Ts and rejects other shapes', () => {
    expect(loadConfig({ ...base, RATE_LIMIT_SIGN_IN: '7/30s' }, '/').auth.rateLimits.signIn).toEqual({
      limit: 7,
      windowSeconds: 30,
    });
    expect(problemsOf({ ...base, RATE_LIMIT_EMAIL: 'seven' })).toContain(
      'RATE_LIMIT_EMAIL must look like 5/10s',
    );
  });

  it('defaults mail to the outbox locally and to SES in production', () => {
    expect(loadConfig(base, '/').mail.driver).toBe('outbox');
    expect(loadConfig(production, '/').mail.driver).toBe('ses');
  });

  // Without verification, registration answers EMAIL_TAKEN: an account-existence oracle.
  it('requires email verification by default in production only, and either way when told', () => {
    expect(loadConfig(production, '/').auth.requireEmailVerification).toBe(true);
    expect(loadConfig(base, '/').auth.requireEmailVerification).toBe(false);
    expect(loadConfig({ NODE_ENV: 'development' }, '/').auth.requireEmailVerification).toBe(false);
    const explicit = (value: string, env: Record<string, string>) =>
      loadConfig({ ...env, AUTH_REQUIRE_EMAIL_VERIFICATION: value }, '/').auth.requireEmailVerification;
    expect(explicit('false', production)).toBe(false);
    expect(explicit('true', base)).toBe(true);
  });

  it('requires static API keys of at least 32 characters', () => {
    expect(problemsOf({ ...base, API_KEYS: 'short' })).toContain('API_KEYS must be a comma-separated list');
    expect(
      loadConfig({ ...base, API_KEYS: `${'a'.repeat(32)},${'b'.repeat(40)}` }, '/').auth.staticApiKeys,
    ).toHaveLength(2);
  });

  it('requires a database name in DATABASE_URL', () => {
    expect(problemsOf({ ...base, DATABASE_URL: 'postgres://u:p@db:5432' })).toContain(
      'DATABASE_URL must name a database',
    );
  });

  it('refuses TLS settings in DATABASE_URL, which the drivers would let override DATABASE_SSL', () => {
    for (const url of [
      'postgres://u:p@db:5432/app?sslmode=disable',
      'postgresql://u:p@db/app?application_name=api&SSLROOTCERT=/ca.pem',
      'postgres://u:p@db/app?uselibpqcompat=true',
      'mysql://u:p@db/app?ssl={"rejectUnauthorized":false}',
    ]) {
      expect(problemsOf({ ...base, DATABASE_URL: url, DATABASE_SSL: 'verify-full' })).toContain(
        'DATABASE_URL must not set TLS in its query',
      );
    }
    const withOtherSettings = 'postgres://u:p@db:5432/app?application_name=api';
    expect(loadConfig({ ...base, DATABASE_URL: withOtherSettings }, '/').database).toMatchObject({
      url: withOtherSettings,
    });
  });
});

/** The problems as text, or '' when the environment is valid (other variables may be required too). */
function loadConfigOrProblems(env: Record<string, string>): string {
  try {
    loadConfig(env, '/');
    return '';
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
}

describe('database secrets (DATABASE_SECRET_ARN)', () => {
  const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cloudnest-db-AbCdEf';

  it('reads the database from a secret, PostgreSQL unless DATABASE_ENGINE says mysql', () => {
    expect(loadConfig({ ...base, DATABASE_SECRET_ARN: arn }, '/').database).toMatchObject({
      kind: 'secret',
      secretArn: arn,
      dialect: 'postgres',
    });
    expect(
      loadConfig({ ...base, DATABASE_SECRET_ARN: arn, DATABASE_ENGINE: 'mysql' }, '/').database,
    ).toMatchObject({ kind: 'secret', dialect: 'mysql' });
  });

  it('satisfies production instead of DATABASE_URL', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toContain('DATABASE_URL is required in production');
    const withSecret = loadConfigOrProblems({ NODE_ENV: 'production', DATABASE_SECRET_ARN: arn });
    expect(withSecret).not.toContain('DATABASE_URL');
  });

  it('takes JWT keys from JWT_SECRET_ARN, alone', () => {
    const jwtArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cloudnest-jwt-AbCdEf';
    expect(loadConfig({ ...base, JWT_SECRET_ARN: jwtArn }, '/').auth.jwt.secretArn).toBe(jwtArn);
    expect(loadConfig(base, '/').auth.jwt.secretArn).toBeUndefined();
    expect(problemsOf({ ...base, JWT_SECRET_ARN: jwtArn, JWT_SECRET: 'x'.repeat(32) })).toContain(
      'JWT_SECRET_ARN replaces JWT_SECRET and JWT_PRIVATE_KEY',
    );
    expect(problemsOf({ ...base, JWT_SECRET_ARN: 'cloudnest-jwt' })).toContain(
      'JWT_SECRET_ARN must be a Secrets Manager ARN',
    );
  });

  it('refuses a malformed ARN, an unknown engine, and both sources at once', () => {
    expect(problemsOf({ ...base, DATABASE_SECRET_ARN: 'cloudnest-db' })).toContain(
      'DATABASE_SECRET_ARN must be a Secrets Manager ARN',
    );
    expect(problemsOf({ ...base, DATABASE_SECRET_ARN: arn, DATABASE_ENGINE: 'oracle' })).toContain(
      'DATABASE_ENGINE must be postgres or mysql',
    );
    expect(
      problemsOf({ ...base, DATABASE_SECRET_ARN: arn, DATABASE_URL: 'postgres://u:p@db/app' }),
    ).toContain('DATABASE_SECRET_ARN and DATABASE_URL are mutually exclusive');
  });
});

describe('storage and users configuration', () => {
  it('stores files on local disk by default, with absolute API URLs for signed links', () => {
    const config = loadConfig({ ...base, API_PREFIX: '/api' }, '/srv/app');
    expect(config.storage).toEqual({
      driver: 'local',
      signingSecret: undefined,
      uploadUrlTtlSeconds: 900,
      downloadUrlTtlSeconds: 300,
    });
    expect(config.apiBaseUrl).toBe('http://localhost:3000/api');
    expect(config.maintenanceIntervalMinutes).toBe(60);
  });

  it('uses S3 when S3_BUCKET is set, with the endpoint, region and public base URL', () => {
    const config = loadConfig(
      {
        ...base,
        S3_BUCKET: 'cloudnest-uploads',
        S3_REGION: 'eu-west-1',
        S3_ENDPOINT: 'http://127.0.0.1:4568',
        S3_PUBLIC_BASE_URL: 'https://cdn.example.com/',
        API_BASE_URL: 'https://api.example.com/',
        UPLOAD_URL_TTL_SECONDS: '120',
        DOWNLOAD_URL_TTL_SECONDS: '120',
        MAINTENANCE_INTERVAL_MINUTES: '0',
      },
      '/',
    );
    expect(config.storage).toEqual({
      driver: 's3',
      bucket: 'cloudnest-uploads',
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:4568',
      publicBaseUrl: 'https://cdn.example.com',
      uploadUrlTtlSeconds: 120,
      downloadUrlTtlSeconds: 120,
    });
    expect(config.apiBaseUrl).toBe('https://api.example.com');
    expect(config.maintenanceIntervalMinutes).toBe(0);
  });

  it('accepts a local signing secret of at least 32 characters', () => {
    const secret = 's'.repeat(32);
    expect(loadConfig({ ...base, STORAGE_SIGNING_SECRET: secret }, '/').storage).toMatchObject({
      driver: 'local',
      signingSecret: secret,
    });
    expect(problemsOf({ ...base, STORAGE_SIGNING_SECRET: 'short' })).toContain(
      'STORAGE_SIGNING_SECRET must be at least 32 characters',
    );
  });

  it('refuses S3 settings without a bucket, bad bucket names and out-of-range TTLs', () => {
    const withoutBucket = problemsOf({
      ...base,
      S3_ENDPOINT: 'http://127.0.0.1:4568',
      S3_PUBLIC_BASE_URL: 'https://cdn.example.com',
    });
    expect(withoutBucket).toContain('S3_ENDPOINT needs S3_BUCKET');
    expect(withoutBucket).toContain('S3_PUBLIC_BASE_URL needs S3_BUCKET');
    const message = problemsOf({
      ...base,
      UPLOAD_URL_TTL_SECONDS: '5',
      DOWNLOAD_URL_TTL_SECONDS: '100000',
      MAINTENANCE_INTERVAL_MINUTES: '-1',
    });
    expect(message).toContain('UPLOAD_URL_TTL_SECONDS must be an integer 60-3600');
    expect(message).toContain('DOWNLOAD_URL_TTL_SECONDS must be an integer 120-86400');
    expect(message).toContain('MAINTENANCE_INTERVAL_MINUTES must be an integer 0-1440');
    expect(problemsOf({ ...base, S3_BUCKET: 'Not_A_Bucket' })).toContain(
      'S3_BUCKET must be an S3 bucket name',
    );
    expect(problemsOf({ ...base, API_BASE_URL: 'api.example.com' })).toContain('API_BASE_URL must be a URL');
  });

  it('reads DATABASE_SSL (default disable) and DATABASE_HOST', () => {
    expect(loadConfig(base, '/').database.tls).toEqual({ mode: 'disable' });
    expect(loadConfig({ ...base, DATABASE_SSL: 'require' }, '/').database.tls).toEqual({ mode: 'require' });
    const config = loadConfig(
      {
        ...base,
        DATABASE_SSL: 'verify-full',
        DATABASE_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cloudnest-db-AbCdEf',
        DATABASE_HOST: 'proxy.example.com',
      },
      '/',
    );
    expect(config.database.tls).toEqual({ mode: 'verify-full', ca: { kind: 'system' } });
    expect(config.database.hostOverride).toBe('proxy.example.com');
    expect(problemsOf({ ...base, DATABASE_SSL: 'yes' })).toContain(
      'DATABASE_SSL must be disable, require or verify-full',
    );
  });

  it('reads DATABASE_SSL_CA as system, rds or a PEM file (relative to the base directory), only with verify-full', () => {
    const tlsOf = (ca: string) =>
      loadConfig({ ...base, DATABASE_SSL: 'verify-full', DATABASE_SSL_CA: ca }, '/srv/app').database.tls;
    expect(tlsOf('system')).toEqual({ mode: 'verify-full', ca: { kind: 'system' } });
    expect(tlsOf('rds')).toEqual({ mode: 'verify-full', ca: { kind: 'rds' } });
    expect(tlsOf('certs/ca.pem')).toEqual({
      mode: 'verify-full',
      ca: { kind: 'file', path: '/srv/app/certs/ca.pem' },
    });
    expect(tlsOf('/etc/ssl/db.pem')).toEqual({
      mode: 'verify-full',
      ca: { kind: 'file', path: '/etc/ssl/db.pem' },
    });
    expect(problemsOf({ ...base, DATABASE_SSL: 'require', DATABASE_SSL_CA: 'rds' })).toContain(
      'DATABASE_SSL_CA needs DATABASE_SSL=verify-full (only then is the certificate checked)',
    );
    expect(problemsOf({ ...base, DATABASE_SSL_CA: 'rds' })).toContain(
      'DATABASE_SSL_CA needs DATABASE_SSL=verify-full (only then is the certificate checked)',
    );
    expect(problemsOf({ ...base, DATABASE_SSL: 'verify-full', DATABASE_SSL_CA: '' })).toContain(
      'DATABASE_SSL_CA must not be empty',
    );
  });

  it('reads flags as true/1 or false/0 and refuses anything else, an empty value included', () => {
    const on = loadConfig({ ...base, DOCS_ENABLED: '1', RATE_LIMIT_ENABLED: 'true' }, '/');
    expect([on.http.docsEnabled, on.auth.rateLimits.enabled]).toEqual([true, true]);
    const off = loadConfig({ ...base, DOCS_ENABLED: '0', RATE_LIMIT_ENABLED: 'false' }, '/');
    expect([off.http.docsEnabled, off.auth.rateLimits.enabled]).toEqual([false, false]);
    expect(problemsOf({ ...base, DOCS_ENABLED: '', REQUIRE_API_KEY: 'yes' })).toBe(
      'Invalid environment: DOCS_ENABLED must be true or false; REQUIRE_API_KEY must be true or false',
    );
  });

  it('names the length a too-short value needs, and keeps defaults only for unset variables', () => {
    expect(problemsOf({ ...base, JWT_ISSUER: '', MAIL_FROM: 'ab', DATA_DIR: '' })).toBe(
      'Invalid environment: DATA_DIR must not be empty; JWT_ISSUER must not be empty; MAIL_FROM must be at least 3 characters',
    );
    expect(loadConfig({ ...base, PORT: '', DATABASE_URL: '', API_PREFIX: '' }, '/').http).toMatchObject({
      port: 3000,
      prefix: '',
    });
  });

  it('reports bad variables and the combinations they break in one error', () => {
    expect(problemsOf({ NODE_ENV: 'production', PORT: 'abc' })).toBe(
      'Invalid environment: PORT must be an integer 1-65535; ' +
        'DATABASE_URL is required in production (or DATABASE_SECRET_ARN); ' +
        'JWT_PRIVATE_KEY is required in production (or JWT_SECRET for HS256); keys are generated only in development; ' +
        'MFA_ENCRYPTION_KEY is required in production (or MFA_ENCRYPTION_KEY_SECRET_ARN); a key is generated only in development; ' +
        'API_BASE_URL is required in production unless S3_BUCKET and S3_PUBLIC_BASE_URL are set (file URLs point at it); ' +
        'PUBLIC_BASE_URL is required in production when mail goes out through SES (its links point at it)',
    );
  });

  it("binds passkeys to PUBLIC_BASE_URL's site unless told otherwise, and refuses a site the origins are not on", () => {
    expect(
      loadConfig({ NODE_ENV: 'test', PUBLIC_BASE_URL: 'https://app.example.com/' }, '/').auth.passkeys,
    ).toEqual({
      rpId: 'app.example.com',
      origins: ['https://app.example.com'],
    });
    expect(
      loadConfig(
        {
          NODE_ENV: 'test',
          WEBAUTHN_RP_ID: 'example.com',
          WEBAUTHN_ORIGINS: 'https://app.example.com, https://example.com',
        },
        '/',
      ).auth.passkeys,
    ).toEqual({ rpId: 'example.com', origins: ['https://app.example.com', 'https://example.com'] });
    expect(
      problemsOf({
        NODE_ENV: 'test',
        PUBLIC_BASE_URL: 'https://app.example.com',
        WEBAUTHN_RP_ID: 'other.com',
      }),
    ).toContain("WEBAUTHN_RP_ID must be app.example.com or a parent domain of it (the web origin's host)");
    expect(
      problemsOf({
        NODE_ENV: 'test',
        WEBAUTHN_RP_ID: 'notexample.com',
        WEBAUTHN_ORIGINS: 'https://example.com',
      }),
    ).toContain('WEBAUTHN_RP_ID must be example.com or a parent domain of it');
    // Without WEBAUTHN_RP_ID the first origin's host is the passkeys' domain: an origin outside it
    // cannot use them (found in review, 2026-12-07: it loaded, and every ceremony there failed).
    const outside = { NODE_ENV: 'test', WEBAUTHN_ORIGINS: 'https://app.example.com,https://example.com' };
    expect(problemsOf(outside)).toBe(
      "Invalid environment: WEBAUTHN_ORIGINS has example.com, which is not app.example.com (the first origin's host, the passkeys' domain by default) or under it: set WEBAUTHN_RP_ID to a domain both share",
    );
    expect(
      loadConfig({ NODE_ENV: 'test', WEBAUTHN_ORIGINS: 'https://example.com,https://app.example.com' }, '/')
        .auth.passkeys.rpId,
    ).toBe('example.com');
    expect(problemsOf({ NODE_ENV: 'test', WEBAUTHN_RP_ID: 'https://example.com' })).toContain(
      'WEBAUTHN_RP_ID must be a domain like example.com (not a URL or an IP address)',
    );
    expect(problemsOf({ NODE_ENV: 'test', WEBAUTHN_RP_ID: '10.0.0.1' })).toContain(
      'WEBAUTHN_RP_ID must be a domain',
    );
    expect(problemsOf({ NODE_ENV: 'test', WEBAUTHN_ORIGINS: 'app.example.com' })).toContain(
      'WEBAUTHN_ORIGINS has app.example.com, not an origin like https://app.example.com',
    );
    // Found in review (2026-12-07): these passed the pattern and crashed `new URL()` later.
    for (const origin of ['https://app.example.com:99999', 'http://['])
      expect(problemsOf({ NODE_ENV: 'test', WEBAUTHN_ORIGINS: origin })).toContain(
        `WEBAUTHN_ORIGINS has ${origin}, not an origin`,
      );
    expect(problemsOf({ NODE_ENV: 'test', CORS_ALLOWED_ORIGINS: 'https://app.example.com:99999' })).toContain(
      'CORS_ALLOWED_ORIGINS has "https://app.example.com:99999"',
    );
  });

  it('refuses DATABASE_HOST without DATABASE_SECRET_ARN, whose host it replaces', () => {
    expect(
      problemsOf({
        NODE_ENV: 'test',
        DATABASE_URL: 'postgres://u:p@db/app',
        DATABASE_HOST: 'proxy.example.com',
      }),
    ).toContain('DATABASE_HOST needs DATABASE_SECRET_ARN');
  });

  // Found in review (2026-12-07): `localhost:3000` parses as a URL of scheme `localhost:`, whose
  // origin "null" crashed the passkey settings with a TypeError naming no variable.
  it('takes only http(s) URLs, trimmed, naming the variable otherwise', () => {
    expect(problemsOf({ NODE_ENV: 'test', PUBLIC_BASE_URL: 'localhost:3000' })).toContain(
      'PUBLIC_BASE_URL must be a URL like https://api.example.com',
    );
    expect(problemsOf({ NODE_ENV: 'test', S3_BUCKET: 'uploads', S3_ENDPOINT: 'ftp://minio:9000' })).toContain(
      'S3_ENDPOINT must be a URL',
    );
    const config = loadConfig(
      {
        ...production,
        API_BASE_URL: 'https://api.example.com/ ',
        PUBLIC_BASE_URL: ' https://app.example.com',
      },
      '/',
    );
    expect(config.apiBaseUrl).toBe('https://api.example.com');
    expect(config.publicBaseUrl).toBe('https://app.example.com');
  });

  it('requires the two-step sign-in key in production of an API process, from one source', () => {
    const withoutKey = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://u:p@db/app',
      JWT_SECRET: 's'.repeat(32),
      API_BASE_URL: 'https://api.example.com',
      PUBLIC_BASE_URL: 'https://app.example.com',
    };
    expect(problemsOf(withoutKey)).toBe(
      'Invalid environment: MFA_ENCRYPTION_KEY is required in production (or MFA_ENCRYPTION_KEY_SECRET_ARN); a key is generated only in development',
    );
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cloudnest-mfa-AbCdEf';
    expect(
      loadConfig({ ...withoutKey, MFA_ENCRYPTION_KEY_SECRET_ARN: arn }, '/').auth.mfaEncryptionKey,
    ).toEqual({
      key: undefined,
      previousKeys: [],
      secretArn: arn,
    });
    expect(
      loadConfig({ ...withoutKey, MFA_ENCRYPTION_KEY: 'm'.repeat(32) }, '/').auth.mfaEncryptionKey.key,
    ).toBe('m'.repeat(32));
    expect(problemsOf({ ...withoutKey, MFA_ENCRYPTION_KEY: 'short' })).toContain(
      'MFA_ENCRYPTION_KEY must be at least 32 characters',
    );
    expect(
      problemsOf({ ...withoutKey, MFA_ENCRYPTION_KEY: 'm'.repeat(32), MFA_ENCRYPTION_KEY_SECRET_ARN: arn }),
    ).toContain('MFA_ENCRYPTION_KEY_SECRET_ARN replaces MFA_ENCRYPTION_KEY');
    // The migration function is not required to have the key (it re-seals only when given one).
    // Previous keys: a list beside MFA_ENCRYPTION_KEY; with the secret they live inside it.
    expect(
      loadConfig(
        {
          ...withoutKey,
          MFA_ENCRYPTION_KEY: 'm'.repeat(32),
          MFA_ENCRYPTION_PREVIOUS_KEYS: ` ${'a'.repeat(32)} , ${'b'.repeat(40)}`,
        },
        '/',
      ).auth.mfaEncryptionKey.previousKeys,
    ).toEqual(['a'.repeat(32), 'b'.repeat(40)]);
    expect(
      problemsOf({
        ...withoutKey,
        MFA_ENCRYPTION_KEY: 'm'.repeat(32),
        MFA_ENCRYPTION_PREVIOUS_KEYS: `${'a'.repeat(32)},short`,
      }),
    ).toContain(
      'MFA_ENCRYPTION_PREVIOUS_KEYS must list keys of at least 32 characters each, separated by commas',
    );
    expect(
      problemsOf({
        ...withoutKey,
        MFA_ENCRYPTION_KEY_SECRET_ARN: arn,
        MFA_ENCRYPTION_PREVIOUS_KEYS: 'a'.repeat(32),
      }),
    ).toContain(
      'MFA_ENCRYPTION_PREVIOUS_KEYS belong in the previousKeys field of the MFA_ENCRYPTION_KEY_SECRET_ARN secret',
    );
    expect(problemsOf({ NODE_ENV: 'test', MFA_ENCRYPTION_PREVIOUS_KEYS: 'a'.repeat(32) })).toContain(
      'MFA_ENCRYPTION_PREVIOUS_KEYS needs MFA_ENCRYPTION_KEY (the key that replaced them)',
    );
    expect(() =>
      loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://u:p@db/app' }, '/', {
        servesApi: false,
      }),
    ).not.toThrow();
  });

  // Found in review: an S3 deployment without a public base served avatar links on localhost.
  it('requires API_BASE_URL in production of an API process unless S3 serves public files itself', () => {
    const { API_BASE_URL: _, ...withoutBase } = production;
    const missing = 'API_BASE_URL is required in production unless S3_BUCKET and S3_PUBLIC_BASE_URL are set';
    expect(problemsOf(withoutBase)).toContain(missing);
    expect(problemsOf({ ...withoutBase, S3_BUCKET: 'uploads' })).toContain(missing);
    const s3 = { ...withoutBase, S3_BUCKET: 'uploads', S3_PUBLIC_BASE_URL: 'https://cdn.example.com' };
    expect(loadConfig(s3, '/').storage.driver).toBe('s3');
    expect(loadConfig(production, '/').apiBaseUrl).toBe('https://api.example.com');
    expect(() => loadConfig(withoutBase, '/', { servesApi: false })).not.toThrow();
  });

  // Found in review: mail links pointed at localhost, and a sender SES cannot parse failed every send.
  it('requires PUBLIC_BASE_URL in production when mail goes out through SES, and a sender SES accepts', () => {
    const { PUBLIC_BASE_URL: _, ...withoutSite } = production;
    const missing = 'PUBLIC_BASE_URL is required in production when mail goes out through SES';
    expect(problemsOf(withoutSite)).toContain(missing);
    expect(problemsOf({ ...withoutSite, MAIL_DRIVER: 'ses' })).toContain(missing);
    expect(loadConfig({ ...withoutSite, MAIL_DRIVER: 'outbox' }, '/').mail.driver).toBe('outbox');
    expect(() => loadConfig(withoutSite, '/', { servesApi: false })).not.toThrow();
    const badSender = 'MAIL_FROM must be an address or "Name <address>"';
    for (const from of ['not an address', 'Ünïcode Name <no-reply@example.com>', 'Name <no-reply>', 'a@b'])
      expect(problemsOf({ ...production, MAIL_FROM: from })).toContain(badSender);
    for (const from of [
      'no-reply@example.com',
      'CloudNest <no-reply@example.com>',
      '=?UTF-8?B?w5xuw68=?= <a@example.com>',
    ])
      expect(loadConfig({ ...production, MAIL_FROM: from }, '/').mail.from).toBe(from);
    // The outbox keeps mail in the database: any sender text will do.
    expect(loadConfig({ NODE_ENV: 'test', MAIL_FROM: 'not an address' }, '/').mail.from).toBe(
      'not an address',
    );
  });

  // Found in review: infra gives the migration function only the database settings, so with the
  // JWT rule applied to it every deploy's migration failed at init.
  it('asks for JWT keys in production only of a process that signs tokens', () => {
    const migration = {
      NODE_ENV: 'production',
      DATABASE_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf',
    };
    expect(() => loadConfig(migration, '/')).toThrow('JWT_PRIVATE_KEY is required in production');
    expect(loadConfig(migration, '/', { servesApi: false }).database).toMatchObject({ kind: 'secret' });
  });

  it('takes the API user secret in the migrations and refuses it in a process that serves the API', () => {
    const apiUser = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-api-user-AbCdEf';
    const migration = {
      NODE_ENV: 'production',
      DATABASE_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf',
      DATABASE_API_USER_SECRET_ARN: apiUser,
    };
    expect(loadConfig(migration, '/', { servesApi: false }).database.apiUserSecretArn).toBe(apiUser);
    expect(
      loadConfig({ NODE_ENV: 'test' }, '/', { servesApi: false }).database.apiUserSecretArn,
    ).toBeUndefined();
    expect(() => loadConfig({ NODE_ENV: 'test', DATABASE_API_USER_SECRET_ARN: apiUser }, '/')).toThrow(
      'DATABASE_API_USER_SECRET_ARN is for the migrations',
    );
    expect(() =>
      loadConfig({ NODE_ENV: 'test', DATABASE_API_USER_SECRET_ARN: 'db-api-user' }, '/', {
        servesApi: false,
      }),
    ).toThrow('DATABASE_API_USER_SECRET_ARN must be a Secrets Manager ARN');
  });

  describe('awsSigning (Secrets Manager reads without the SDK)', () => {
    // What Lambda's runtime sets for a function with a role.
    const lambda = {
      ...base,
      AWS_LAMBDA_FUNCTION_NAME: 'cloudnest-api',
      AWS_REGION: 'eu-central-1',
      AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret-key',
      AWS_SESSION_TOKEN: 'session-token',
    };

    it('takes the region, the regional endpoint and the role’s credentials from Lambda’s environment', () => {
      const signing = loadConfig(lambda, '/').awsSigning;
      expect(signing).toMatchObject({
        region: 'eu-central-1',
        secretsManagerEndpoint: 'https://secretsmanager.eu-central-1.amazonaws.com',
      });
      expect(signing?.credentials()).toEqual({
        accessKeyId: 'ASIAEXAMPLE',
        secretAccessKey: 'secret-key',
        sessionToken: 'session-token',
      });
      expect(
        loadConfig({ ...lambda, AWS_REGION: 'cn-north-1' }, '/').awsSigning?.secretsManagerEndpoint,
      ).toBe('https://secretsmanager.cn-north-1.amazonaws.com.cn');
      expect(
        loadConfig({ ...lambda, AWS_REGION: 'us-gov-west-1' }, '/').awsSigning?.secretsManagerEndpoint,
      ).toBe('https://secretsmanager.us-gov-west-1.amazonaws.com');
    });

    it('never writes the credentials out with the configuration', () => {
      const text = JSON.stringify(loadConfig(lambda, '/'));
      expect(text).toContain('eu-central-1');
      expect(text).not.toContain('secret-key');
      expect(text).not.toContain('session-token');
    });

    it('uses the SDK’s endpoint variables, the service’s first, unless told to ignore them', () => {
      const endpoints = {
        AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
        AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://sm:1',
      };
      expect(loadConfig({ ...lambda, ...endpoints }, '/').awsSigning?.secretsManagerEndpoint).toBe(
        'http://sm:1',
      );
      expect(
        loadConfig({ ...lambda, AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' }, '/').awsSigning
          ?.secretsManagerEndpoint,
      ).toBe('http://127.0.0.1:4566');
      expect(
        loadConfig({ ...lambda, ...endpoints, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }, '/').awsSigning
          ?.secretsManagerEndpoint,
      ).toBe('https://secretsmanager.eu-central-1.amazonaws.com');
    });

    it('leaves every read to the SDK where the SDK would not use the environment’s keys, or does what only it does', () => {
      const { AWS_ACCESS_KEY_ID: _key, ...withoutKey } = lambda;
      const { AWS_REGION: _region, ...withoutRegion } = lambda;
      const { AWS_LAMBDA_FUNCTION_NAME: _name, ...notOnLambda } = lambda;
      for (const env of [
        base,
        withoutKey,
        withoutRegion,
        // Elsewhere ~/.aws/config may set endpoints or FIPS for the SDK.
        notOnLambda,
        { ...lambda, AWS_CONFIG_FILE: '/opt/aws/config' },
        // The SDK refuses such a value; the signed path must not go ahead without it.
        { ...lambda, AWS_USE_FIPS_ENDPOINT: '1' },
        { ...lambda, AWS_PROFILE: 'admin' },
        { ...lambda, AWS_USE_FIPS_ENDPOINT: 'true' },
        { ...lambda, AWS_USE_DUALSTACK_ENDPOINT: 'true' },
        { ...lambda, AWS_REGION: 'us-iso-east-1' },
        { ...lambda, AWS_ENDPOINT_URL_SECRETS_MANAGER: 'not a url' },
        { ...lambda, AWS_ENDPOINT_URL: 'http://127.0.0.1:4566/prefix' },
      ]) {
        expect(loadConfig(env, '/').awsSigning).toBeUndefined();
      }
      expect(loadConfig({ ...lambda, AWS_USE_FIPS_ENDPOINT: 'false' }, '/').awsSigning).toBeDefined();
      expect(loadConfig({ ...lambda, AWS_SESSION_TOKEN: '' }, '/').awsSigning?.credentials()).toEqual({
        accessKeyId: 'ASIAEXAMPLE',
        secretAccessKey: 'secret-key',
      });
    });
  });
});
