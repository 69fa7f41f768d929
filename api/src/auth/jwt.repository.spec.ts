import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { AppError } from '../common/errors/app-error.js';
import { type AppConfig, loadConfig } from '../config/app-config.js';
import { JwtRepository } from './jwt.repository.js';

async function privateJwkJson(): Promise<{ private: string; public: string }> {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const jwk = await exportJWK(privateKey);
  const { d: _d, ...publicJwk } = jwk;
  return { private: JSON.stringify(jwk), public: JSON.stringify(publicJwk) };
}

function repository(env: Record<string, string>): JwtRepository {
  const dataDir = mkdtempSync(join(tmpdir(), 'cloudnest-jwt-'));
  return new JwtRepository(loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, ...env }, '/'));
}

const claims = { sub: 'user-1', sid: 'session-1' };

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return error instanceof AppError ? error.code : 'not an AppError';
  }
}

describe('JwtRepository', () => {
  it('round-trips claims with the configured key and pins EdDSA', async () => {
    const key = await privateJwkJson();
    const jwt = repository({ JWT_PRIVATE_KEY: key.private });
    const token = await jwt.sign(claims, new Date());
    expect(await jwt.verify(token)).toEqual(claims);
    expect(JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString()).alg).toBe('EdDSA');
  });

  it('keeps verifying tokens of a rotated-out key listed in JWT_PREVIOUS_PUBLIC_KEYS, and serves both keys', async () => {
    const [oldKey, newKey] = [await privateJwkJson(), await privateJwkJson()];
    const token = await repository({ JWT_PRIVATE_KEY: oldKey.private }).sign(claims, new Date());
    const rotated = repository({
      JWT_PRIVATE_KEY: newKey.private,
      JWT_PREVIOUS_PUBLIC_KEYS: `[${oldKey.public}]`,
    });
    expect(await rotated.verify(token)).toEqual(claims);
    expect((await rotated.jwks()).keys).toHaveLength(2);
    const withoutPrevious = repository({ JWT_PRIVATE_KEY: newKey.private });
    expect(await codeOf(withoutPrevious.verify(token))).toBe('INVALID_TOKEN');
  });

  it('reports expiry separately from invalidity', async () => {
    const key = await privateJwkJson();
    const jwt = repository({ JWT_PRIVATE_KEY: key.private, JWT_ACCESS_TTL_SECONDS: '60' });
    const token = await jwt.sign(claims, new Date(Date.now() - 3_600_000));
    expect(await codeOf(jwt.verify(token))).toBe('TOKEN_EXPIRED');
    expect(await codeOf(jwt.verify('not.a.jwt'))).toBe('INVALID_TOKEN');
  });

  it('generates a development key once under DATA_DIR and reuses it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cloudnest-jwt-dev-'));
    const config = loadConfig({ NODE_ENV: 'development', DATA_DIR: dataDir }, '/');
    const token = await new JwtRepository(config).sign(claims, new Date());
    expect(await new JwtRepository(config).verify(token)).toEqual(claims);
  });

  it('uses HS256 with JWT_SECRET and refuses tokens signed with another secret', async () => {
    const a = repository({ JWT_SECRET: 'a'.repeat(40) });
    const b = repository({ JWT_SECRET: 'b'.repeat(40) });
    const token = await a.sign(claims, new Date());
    expect(await a.verify(token)).toEqual(claims);
    expect(await codeOf(b.verify(token))).toBe('INVALID_TOKEN');
    expect((await a.jwks()).keys).toEqual([]);
  });

  // loadConfig refuses such a key from the environment; one from JWT_SECRET_ARN arrives later.
  it('refuses a private key that is not an Ed25519 private JWK', async () => {
    const config = loadConfig(
      { NODE_ENV: 'test', DATA_DIR: mkdtempSync(join(tmpdir(), 'cloudnest-jwt-')) },
      '/',
    );
    const jwt = new JwtRepository({
      ...config,
      auth: { ...config.auth, jwt: { ...config.auth.jwt, algorithm: 'EdDSA', privateKey: '{"kty":"RSA"}' } },
    } as AppConfig);
    await expect(jwt.sign(claims, new Date())).rejects.toThrow(/Ed25519 private JWK/);
    // Verification reports the key problem as it is: a server fault, not the client's token.
    await expect(jwt.verify('a.b.c')).rejects.toThrow(/Ed25519 private JWK/);
  });
});
