import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MfaRepository } from '../../src/auth/mfa.repository.js';
import { decodeBase32, hotp, totpStep } from '../../src/auth/totp.js';
import { sealedUnderKeyPrefix, TotpSecretCipher } from '../../src/auth/totp-secret-cipher.js';
import { TotpSecretResealer } from '../../src/auth/totp-secret-resealer.js';
import { DatabaseHandle } from '../../src/database/database-handle.js';
import {
  bearer,
  clearOfTotpStepBoundary,
  RELAXED_LIMITS,
  readJson,
  registerUser,
  type TokenPair,
} from '../support/auth-helpers.js';
import { testConfig } from '../support/test-config.js';
import { testDialects } from '../support/test-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const OLD_KEY = 'old-mfa-encryption-key-0123456789abcdef';
const NEW_KEY = 'new-mfa-encryption-key-0123456789abcdef';
/** A key that sealed something and was dropped before the rows were re-sealed. */
const LOST_KEY = 'lost-mfa-encryption-key-0123456789abcde';

const cipherWith = (env: Record<string, string>) => new TotpSecretCipher(testConfig(env));

/**
 * A key rotation as an operator does it, on each engine: the API keeps running on the old key,
 * a second process starts with the new key and the old one among the previous keys, a re-seal
 * pass moves every readable secret, and then the new key alone serves every account.
 */
describe.each(testDialects())('rotating the MFA encryption key on %s', (dialect) => {
  let before: TestServer;
  const others: TestServer[] = [];
  beforeAll(async () => {
    before = await startTestServer({ ...RELAXED_LIMITS, MFA_ENCRYPTION_KEY: OLD_KEY }, dialect);
  });
  afterAll(async () => {
    for (const server of others) await server.close();
    await before?.close();
  });

  /** Another process on the same database, with `env`. */
  async function processWith(env: Record<string, string>): Promise<TestServer> {
    const server = await startTestServer({ ...RELAXED_LIMITS, ...env }, dialect, {
      database: before.database,
    });
    others.push(server);
    return server;
  }

  const post = (server: TestServer, path: string, json: unknown, token?: string) =>
    server.request(path, { method: 'POST', json, headers: token ? bearer(token) : {} });
  const codeAt = (secret: string, offset: number) =>
    hotp(decodeBase32(secret), totpStep(new Date()) + offset);

  /** An account on the old key; `confirm: false` leaves its setup unconfirmed. */
  async function account({ confirm = true } = {}) {
    const { credentials, tokens } = await registerUser(before);
    const setup = await post(
      before,
      '/auth/mfa/totp/setup',
      { password: credentials.password },
      tokens.accessToken,
    );
    const { secret } = await readJson<{ secret: string }>(setup);
    if (confirm) {
      await clearOfTotpStepBoundary();
      const enabled = await post(
        before,
        '/auth/mfa/totp/enable',
        { code: codeAt(secret, -1) },
        tokens.accessToken,
      );
      expect(enabled.status).toBe(200);
    }
    const { id } = await before.database.db
      .selectFrom('users')
      .select('id')
      .where('email', '=', credentials.email)
      .executeTakeFirstOrThrow();
    return { credentials, secret, id };
  }

  const sealedOf = async (userId: string) =>
    (
      await before.database.db
        .selectFrom('totpCredentials')
        .select('secret')
        .where('userId', '=', userId)
        .executeTakeFirstOrThrow()
    ).secret;
  const setSealed = (userId: string, secret: string) =>
    before.database.db.updateTable('totpCredentials').set({ secret }).where('userId', '=', userId).execute();

  /** Password, then the authenticator's code: the status of the second step. */
  async function signIn(
    server: TestServer,
    who: { credentials: { email: string; password: string }; secret: string },
  ) {
    const login = await post(server, '/auth/login', {
      email: who.credentials.email,
      password: who.credentials.password,
    });
    expect(login.status).toBe(202);
    const { mfaToken } = await readJson<{ mfaToken: string }>(login);
    return (await post(server, '/auth/mfa/verify', { mfaToken, code: codeAt(who.secret, 0) })).status;
  }

  it('serves every account through the rotation, re-seals what it can read and names what it cannot', async () => {
    const [alice, bob, carol, dave, erin] = [
      await account(),
      await account(),
      await account({ confirm: false }),
      await account(),
      await account(),
    ];
    // dave's row as the first release wrote it (no key id); erin's under a key that is gone.
    await setSealed(dave.id, `v1.${(await sealedOf(dave.id)).split('.')[2]}`);
    await setSealed(erin.id, await cipherWith({ MFA_ENCRYPTION_KEY: LOST_KEY }).seal(erin.id, erin.secret));

    const rotated = await processWith({ MFA_ENCRYPTION_KEY: NEW_KEY, MFA_ENCRYPTION_PREVIOUS_KEYS: OLD_KEY });
    // Before any re-seal, the new process opens what the old key sealed, in either format.
    expect(await signIn(rotated, alice)).toBe(200);
    expect(await signIn(rotated, dave)).toBe(200);

    const rotatedCipher = cipherWith({ MFA_ENCRYPTION_KEY: NEW_KEY, MFA_ENCRYPTION_PREVIOUS_KEYS: OLD_KEY });
    const resealer = new TotpSecretResealer(
      new MfaRepository(DatabaseHandle.of(before.database.db)),
      rotatedCipher,
    );
    const newKeyId = await rotatedCipher.currentKeyId();
    expect(await resealer.resealAll()).toEqual({
      keyId: newKeyId,
      resealed: 4,
      unreadable: 1,
      unreadableUserIds: [erin.id],
    });
    for (const { id } of [alice, bob, carol, dave])
      expect(await sealedOf(id)).toMatch(
        new RegExp(`^${sealedUnderKeyPrefix(newKeyId).replaceAll('.', '\\.')}`),
      );
    // Nothing left that a second pass could move; erin's row is untouched.
    expect(await resealer.resealAll()).toMatchObject({ resealed: 0, unreadable: 1 });

    // The new key alone, as after the previous key was dropped: bob signs in, carol finishes her
    // setup (started under the old key, re-sealed meanwhile) with the code her app shows.
    const after = await processWith({ MFA_ENCRYPTION_KEY: NEW_KEY });
    expect(await signIn(after, bob)).toBe(200);
    const carolLogin = await post(after, '/auth/login', {
      email: carol.credentials.email,
      password: carol.credentials.password,
    });
    const { accessToken } = await readJson<TokenPair>(carolLogin);
    const enabled = await post(
      after,
      '/auth/mfa/totp/enable',
      { code: codeAt(carol.secret, 0) },
      accessToken,
    );
    expect(enabled.status).toBe(200);
  });

  it('leaves a row alone that changed after the pass read it', async () => {
    const frank = await account();
    const repository = new MfaRepository(DatabaseHandle.of(before.database.db));
    const read = await sealedOf(frank.id);
    // Two-step sign-in restarted (or another pass ran) between the read and the write.
    await setSealed(frank.id, await cipherWith({ MFA_ENCRYPTION_KEY: OLD_KEY }).seal(frank.id, frank.secret));
    expect(await repository.replaceSealedSecret(frank.id, read, 'v2.000000000000.replaced')).toBe(false);
    expect(await sealedOf(frank.id)).not.toBe('v2.000000000000.replaced');
    expect(
      await repository.replaceSealedSecret(frank.id, await sealedOf(frank.id), 'v2.000000000000.replaced'),
    ).toBe(true);
  });
});
