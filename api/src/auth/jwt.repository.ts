import { createHash, createSecretKey, type KeyObject } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import type * as Jose from 'jose';
import type { JWK, JWTPayload, JWTVerifyGetKey, JWTVerifyOptions } from 'jose';
import { SecretsRepository } from '../aws/secrets.repository.js';
import { keptSecret } from '../common/crypto/kept-secret.js';
import { AppError } from '../common/errors/app-error.js';
import type { AppConfig, JwtSigning } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { previousKeyList, privateKeyText } from '../config/jwt-key-text.js';
import { jwtSigningFromSecret } from './jwt-signing-secret.js';

/** Claims CloudNest puts in (and requires from) an access token. */
export interface AccessClaims {
  readonly sub: string;
  readonly sid: string;
}

type SigningKey = Awaited<ReturnType<typeof Jose.importJWK>> | KeyObject;

interface LoadedKeys {
  /** jose itself, imported with the keys (see `loadKeys`). */
  readonly jose: typeof Jose;
  readonly algorithm: 'EdDSA' | 'HS256';
  readonly kid: string;
  readonly signingKey: SigningKey;
  /** Public JWKs served at /.well-known/jwks.json (empty for HS256). */
  readonly publicJwks: readonly JWK[];
  /**
   * jose's key lookup and options for these keys, made once with them: verification runs on every
   * authenticated request, and they never change while the keys are loaded.
   */
  readonly verification: { readonly key: JWTVerifyGetKey; readonly options: JWTVerifyOptions };
}

/** Seconds of clock skew tolerated between servers when checking exp/nbf. */
const CLOCK_TOLERANCE_SECONDS = 5;
const DEV_KEY_FILE = 'jwt-ed25519.private.jwk.json';

/**
 * Signs and verifies access tokens with jose. EdDSA (Ed25519) by default, HS256 when JWT_SECRET
 * is set; the algorithm is pinned on verification, so `alg: none` and HS/EdDSA confusion fail.
 * Keys load lazily on first use: nothing touches disk or crypto during a cold start, and jose
 * itself is imported then too (a chunk of its own in the bundles, ~2 ms less Lambda Init: a
 * cold start answering /health never needs it).
 */
@Injectable()
export class JwtRepository {
  private keys: Promise<LoadedKeys> | undefined;
  /** What `keys` resolved to, for the calls after it did (they need no promise hop to reach it). */
  private loaded: LoadedKeys | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    // Optional: only JWT_SECRET_ARN needs it, and the default instance shares the process-wide cache.
    @Optional()
    @Inject(SecretsRepository)
    private readonly secrets: SecretsRepository = new SecretsRepository({ signing: config.awsSigning }),
  ) {}

  async sign(claims: AccessClaims, now: Date): Promise<string> {
    const keys = await this.loadedKeys();
    const { issuer, audience, accessTtlSeconds } = this.config.auth.jwt;
    const issuedAt = Math.floor(now.getTime() / 1000);
    return new keys.jose.SignJWT({ sid: claims.sid })
      .setProtectedHeader({ alg: keys.algorithm, kid: keys.kid, typ: 'JWT' })
      .setSubject(claims.sub)
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + accessTtlSeconds)
      .sign(keys.signingKey);
  }

  /**
   * Verifies signature, algorithm, issuer, audience and expiry; rejects with INVALID_TOKEN /
   * TOKEN_EXPIRED. Once the keys are loaded this is one promise chain on jose's, no async frame of
   * its own: it runs on every authenticated request (see AuthGuard.canActivate).
   */
  verify(token: string): Promise<AccessClaims> {
    const loaded = this.loaded;
    // A key that cannot be loaded (Secrets Manager down) is not the token's fault: that failure
    // passes as it is, only jose's verdict becomes INVALID_TOKEN / TOKEN_EXPIRED.
    if (loaded === undefined) return this.loadedKeys().then(() => this.verify(token));
    const { key, options } = loaded.verification;
    return loaded.jose
      .jwtVerify(token, key, options)
      .then(({ payload }) => accessClaimsOf(payload), rejectedToken);
  }

  async jwks(): Promise<{ keys: JWK[] }> {
    return { keys: [...(await this.loadedKeys()).publicJwks] };
  }

  private loadedKeys(): Promise<LoadedKeys> {
    this.keys ??= this.loadKeys().then(
      (keys) => {
        this.loaded = keys;
        return keys;
      },
      (error: unknown) => {
        this.keys = undefined;
        throw error;
      },
    );
    return this.keys;
  }

  private async loadKeys(): Promise<LoadedKeys> {
    const [jose, jwt] = await Promise.all([import('jose'), this.signing()]);
    if (jwt.algorithm === 'HS256') {
      // A KeyObject made once: jose would otherwise import raw bytes into a key on every call.
      const secret = createSecretKey(Buffer.from(jwt.secret, 'utf8'));
      // The kid names the secret without revealing it, so a rotated secret is recognisable.
      const kid = `hs256-${createHash('sha256').update(jwt.secret).digest('hex').slice(0, 16)}`;
      return {
        jose,
        algorithm: 'HS256',
        kid,
        signingKey: secret,
        publicJwks: [],
        verification: this.verificationFor(jose, 'HS256', new Map([[kid, secret]])),
      };
    }
    const privateJwk = await this.privateJwk(jose, jwt.privateKey);
    const { d: _private, ...publicJwk } = privateJwk;
    const kid = await jose.calculateJwkThumbprint(publicJwk);
    const current: JWK = { ...publicJwk, kid, alg: 'EdDSA', use: 'sig' };
    const previousJwks: JWK[] = await Promise.all(
      parsePreviousKeys(jwt.previousPublicKeys).map(async (key) => ({
        ...key,
        kid: key.kid ?? (await jose.calculateJwkThumbprint(key)),
        alg: 'EdDSA',
        use: 'sig',
      })),
    );
    const verificationKeys = new Map<string, SigningKey>();
    for (const key of [current, ...previousJwks]) {
      verificationKeys.set(key.kid as string, await jose.importJWK(key, 'EdDSA'));
    }
    return {
      jose,
      algorithm: 'EdDSA',
      kid,
      signingKey: await jose.importJWK(privateJwk, 'EdDSA'),
      publicJwks: [current, ...previousJwks],
      verification: this.verificationFor(jose, 'EdDSA', verificationKeys),
    };
  }

  /**
   * The algorithm is pinned, the key chosen by `kid` among `verificationKeys` (current and previous);
   * issuer, audience and claims are required.
   */
  private verificationFor(
    jose: typeof Jose,
    algorithm: LoadedKeys['algorithm'],
    verificationKeys: ReadonlyMap<string, SigningKey>,
  ): LoadedKeys['verification'] {
    const { issuer, audience } = this.config.auth.jwt;
    return {
      key: (header) => {
        const key = header.kid ? verificationKeys.get(header.kid) : undefined;
        if (!key) throw new jose.errors.JWKSNoMatchingKey();
        return key;
      },
      options: {
        algorithms: [algorithm],
        issuer,
        audience,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['sub', 'sid', 'iat', 'exp'],
      },
    };
  }

  /** The signing settings: from the environment, or read once from JWT_SECRET_ARN on first use. */
  private async signing(): Promise<JwtSigning> {
    const { secretArn } = this.config.auth.jwt;
    if (secretArn === undefined) return this.config.auth.jwt;
    return jwtSigningFromSecret(await this.secrets.getJson(secretArn), secretArn);
  }

  /** The configured private key as a JWK; in development an unset key is generated once and kept. */
  private async privateJwk(jose: typeof Jose, configured: string | undefined): Promise<JWK> {
    if (configured !== undefined) return parsePrivateKey(jose, configured);
    const kept = await keptSecret(this.config.dataDir, DEV_KEY_FILE, async () => {
      const { privateKey } = await jose.generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
      return JSON.stringify(await jose.exportJWK(privateKey));
    });
    return JSON.parse(kept) as JWK;
  }
}

/** The claims CloudNest needs from a verified token; a token without them is invalid. */
function accessClaimsOf(payload: JWTPayload): AccessClaims {
  if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string') throw new AppError('INVALID_TOKEN');
  return { sub: payload.sub, sid: payload.sid };
}

/** jose's verification failures as CloudNest's error codes (by jose's documented error `code`). */
function rejectedToken(error: unknown): never {
  if ((error as { code?: unknown } | null)?.code === 'ERR_JWT_EXPIRED') throw new AppError('TOKEN_EXPIRED');
  throw new AppError('INVALID_TOKEN');
}

/** Accepts a PKCS8 PEM or a private JWK (JSON) for Ed25519. */
async function parsePrivateKey(jose: typeof Jose, value: string): Promise<JWK> {
  const text = privateKeyText(value);
  if ('jwk' in text) {
    const jwk = text.jwk as JWK;
    if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.d !== 'string') {
      throw new Error('JWT_PRIVATE_KEY must be an Ed25519 private JWK (kty OKP, crv Ed25519, with d)');
    }
    return jwk;
  }
  const key = await jose.importPKCS8(text.pem, 'EdDSA', { extractable: true });
  return jose.exportJWK(key);
}

function parsePreviousKeys(value: string | undefined): JWK[] {
  if (!value) return [];
  const list = previousKeyList(JSON.parse(value));
  if (!list) throw new Error('JWT_PREVIOUS_PUBLIC_KEYS must be a JWK, an array of them or {"keys": [...]}');
  return (list as JWK[]).map(({ d: _private, ...publicKey }) => publicKey);
}
