import type { Logger } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import {
  recordedSecurityActivity,
  SPEC_TRANSACTION,
  SPEC_TRANSACTIONS,
} from '../../test/support/recorded-security-activity.js';
import { recordingMail } from '../../test/support/recording-mail.js';
import type { ClockRepository } from '../common/clock/clock.repository.js';
import { CryptoRepository } from '../common/crypto/crypto.repository.js';
import { AppError } from '../common/errors/app-error.js';
import { loadConfig } from '../config/app-config.js';
import type { Database } from '../database/database.factory.js';
import type { UserRow } from '../database/database.types.js';
import { newUserRow } from '../users/new-user.js';
import type { UsersRepository } from '../users/users.repository.js';
import type { ApiKeysRepository } from './api-keys.repository.js';
import { AuthService } from './auth.service.js';
import type { CommonPasswordsRepository } from './common-passwords.repository.js';
import type { JwtRepository } from './jwt.repository.js';
import type { MfaRepository } from './mfa.repository.js';
import type { OneTimeTokensRepository } from './one-time-tokens.repository.js';
import type { PasskeysRepository } from './passkeys.repository.js';
import type {
  PendingRegistrationRow,
  PendingRegistrationsRepository,
} from './pending-registrations.repository.js';
import type { RateLimitService } from './rate-limit.service.js';
import type { SessionStatusCache } from './session-status.cache.js';
import type { RefreshTokenRecord, RefreshTransaction, SessionsRepository } from './sessions.repository.js';
import { UniformResponse } from './uniform-response.js';

const T0 = new Date('2026-03-01T12:00:00.000Z');
const CLIENT = { ip: '203.0.113.7', userAgent: 'Spec/1.0' };

function user(overrides: Partial<UserRow> = {}): UserRow {
  return {
    ...newUserRow({
      id: 'user-1',
      email: 'ada@example.com',
      username: 'ada',
      passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$stored',
      emailVerifiedAt: null,
      now: T0,
    }),
    ...overrides,
  };
}

/** An AuthService whose repositories are fakes; the clock is fixed and movable. */
function setup(
  env: Record<string, string> = {},
  options: {
    token?: RefreshTokenRecord;
    user?: UserRow;
    code?: string;
    codePurpose?: 'email_code' | 'reauthentication_code';
    /** The account's row as the session's transaction finds it, when it changed since the read. */
    lockedUser?: UserRow;
  } = {},
) {
  const clock = { now: vi.fn(() => T0), sleep: vi.fn(async () => {}) } as unknown as ClockRepository;
  const realCrypto = new CryptoRepository();
  const crypto = Object.assign(Object.create(CryptoRepository.prototype), realCrypto, {
    hashPassword: vi.fn(async () => 'hash'),
    verifyPassword: vi.fn(async () => false),
    passwordNeedsRehash: vi.fn(() => false),
  }) as CryptoRepository;
  const users = {
    findByEmail: vi.fn(async () => options.user),
    findByUsername: vi.fn(async (username: string) =>
      options.user?.username === username ? options.user : undefined,
    ),
    findById: vi.fn(async () => options.user ?? user()),
    lockById: vi.fn(async () => options.lockedUser ?? options.user ?? user()),
    // Like the repository: the writes that must commit with the account run in its transaction.
    create: vi.fn(async (_user: unknown, sameTransaction?: (trx: Database) => Promise<void>) => {
      await sameTransaction?.(SPEC_TRANSACTION);
      return undefined;
    }),
    update: vi.fn(async () => {}),
    replacePasswordHash: vi.fn(async () => true),
    incrementFailedLogins: vi.fn(async () => 1),
  } as unknown as UsersRepository;
  const tx = {
    hasRotatedChild: vi.fn(async () => false),
    rotate: vi.fn(async () => {}),
    revokeSession: vi.fn(async () => {}),
    db: SPEC_TRANSACTION,
  } satisfies RefreshTransaction;
  const sessions = {
    create: vi.fn(async () => {}),
    sessionOfRefreshToken: vi.fn(async () =>
      options.token ? { sessionId: options.token.sessionId, userId: 'user-1' } : undefined,
    ),
    withLockedRefreshToken: vi.fn(
      async (
        _hash: string,
        exchange: (t: RefreshTokenRecord | undefined, x: RefreshTransaction) => unknown,
      ) => exchange(options.token, tx),
    ),
    revokeAll: vi.fn(async (): Promise<string[]> => []),
    revoke: vi.fn(async () => true),
    isLiveIn: vi.fn(async (_sessionId: string, _now: Date, _trx: unknown) => true),
  } as unknown as SessionsRepository;
  const cache = { invalidate: vi.fn(), invalidateUser: vi.fn() } as unknown as SessionStatusCache;
  const mail = recordingMail();
  const jwt = { sign: vi.fn(async () => 'access.token.jwt') } as unknown as JwtRepository;
  const rateLimits = {
    consume: vi.fn(async () => {}),
    codeGuessesLeft: vi.fn(async (_address: string) => true),
  } as unknown as RateLimitService;
  const common = {
    isCommon: vi.fn(async (p: string) => p === 'password123'),
  } as unknown as CommonPasswordsRepository;
  const logger = { warn: vi.fn(), error: vi.fn(), info: vi.fn() } as unknown as Logger;
  // The newest live email code of an address is `options.code` (id 'code-1', of the purpose
  // `options.codePurpose`); attempts run the service's matcher against it, as the repository does
  // inside its transaction.
  const codeRow = options.code
    ? { id: 'code-1', tokenHash: realCrypto.sha256(`code-1:${options.code}`) }
    : undefined;
  const oneTimeTokens = {
    issue: vi.fn(async () => {}),
    retireAll: vi.fn(async () => {}),
    consume: vi.fn(async () => undefined),
    findLive: vi.fn(async () => undefined),
    markUsed: vi.fn(async (_id: string, _now: Date, _within?: Database) => true),
    attemptCode: vi.fn(
      async (
        _email: string,
        purpose: string,
        _now: Date,
        _max: number,
        matches: (row: typeof codeRow) => boolean,
      ) =>
        codeRow && purpose === (options.codePurpose ?? 'email_code') && matches(codeRow)
          ? codeRow
          : undefined,
    ),
  } as unknown as OneTimeTokensRepository;
  const pendingRegistrations = {
    create: vi.fn(async (_row: PendingRegistrationRow) => {}),
    findLive: vi.fn(async (): Promise<PendingRegistrationRow | undefined> => undefined),
    consumeAll: vi.fn(async (_email: string, _tokenHash: string, _trx: Database) => true),
    spendAttempt: vi.fn(async (_id: string, _max: number) => true),
    delete: vi.fn(async () => {}),
    deleteForEmail: vi.fn(async () => {}),
  };
  const config = loadConfig({ NODE_ENV: 'test', ...env }, '/');
  const { activity, types: activityTypes, recorded: activityRecorded } = recordedSecurityActivity(clock);
  const apiKeys = { revokeAllOf: vi.fn(async (_userId: string, _now: Date, _trx: Database) => {}) };
  const passkeys = { deleteAllOf: vi.fn(async (_userId: string, _trx: Database) => {}) };
  const mfa = { disable: vi.fn(async (_userId: string, _now: Date, _trx?: Database) => {}) };
  const service = new AuthService(
    users,
    sessions,
    cache,
    oneTimeTokens,
    pendingRegistrations as unknown as PendingRegistrationsRepository,
    jwt,
    crypto,
    clock,
    rateLimits,
    new UniformResponse(clock, config, logger),
    common,
    mail,
    activity,
    SPEC_TRANSACTIONS,
    config,
    logger,
    apiKeys as unknown as ApiKeysRepository,
    passkeys as unknown as PasskeysRepository,
    mfa as unknown as MfaRepository,
  );
  return {
    service,
    apiKeys,
    passkeys,
    mfa,
    jwt,
    pendingRegistrations,
    users,
    sessions,
    tx,
    cache,
    mail,
    crypto,
    rateLimits,
    clock,
    logger,
    oneTimeTokens,
    activity,
    activityTypes,
    activityRecorded,
  };
}

function token(overrides: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord {
  return {
    id: 'rt-1',
    sessionId: 'session-1',
    parentId: null,
    rotatedAt: null,
    userId: 'user-1',
    sessionRevokedAt: null,
    sessionExpiresAt: new Date(T0.getTime() + 86_400_000),
    ...overrides,
  };
}

async function errorCode(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return error instanceof AppError ? error.code : String(error);
  }
  return undefined;
}

describe('AuthService.refresh', () => {
  it('rotates a current token and returns a new pair', async () => {
    const { service, tx, jwt } = setup({}, { token: token() });
    const result = await service.refresh('x'.repeat(43));
    expect(tx.rotate).toHaveBeenCalledWith('rt-1', T0, expect.objectContaining({ sessionId: 'session-1' }));
    expect(result.refreshToken).not.toBe('x'.repeat(43));
    // The new access token is for the refreshed session's user and session.
    expect(jwt.sign).toHaveBeenCalledWith({ sub: 'user-1', sid: 'session-1' }, T0);
    expect(result.accessToken).toBe('access.token.jwt');
  });

  it('allows the previous token again inside the grace window while its successor is unused', async () => {
    const { service, tx, activityTypes } = setup(
      { AUTH_REFRESH_REUSE_GRACE_SECONDS: '10' },
      {
        token: token({ rotatedAt: new Date(T0.getTime() - 9_000) }),
      },
    );
    await service.refresh('x'.repeat(43));
    expect(tx.rotate).toHaveBeenCalled();
    expect(tx.revokeSession).not.toHaveBeenCalled();
    expect(activityTypes()).toEqual([]);
  });

  it('revokes the session after the grace window (REFRESH_TOKEN_REUSED)', async () => {
    const { service, tx, cache, activityTypes } = setup(
      { AUTH_REFRESH_REUSE_GRACE_SECONDS: '10' },
      {
        token: token({ rotatedAt: new Date(T0.getTime() - 11_000) }),
      },
    );
    expect(await errorCode(service.refresh('x'.repeat(43)))).toBe('REFRESH_TOKEN_REUSED');
    expect(tx.revokeSession).toHaveBeenCalledWith('session-1', T0, 'refresh_token_reused');
    expect(cache.invalidate).toHaveBeenCalledWith(['session-1']);
    expect(activityTypes()).toEqual(['refresh_token_reused']);
  });

  it('revokes inside the grace window when the successor was already exchanged', async () => {
    const { service, tx } = setup({}, { token: token({ rotatedAt: new Date(T0.getTime() - 1_000) }) });
    tx.hasRotatedChild.mockResolvedValue(true);
    expect(await errorCode(service.refresh('x'.repeat(43)))).toBe('REFRESH_TOKEN_REUSED');
  });

  it('refuses tokens of revoked or expired sessions without rotating', async () => {
    for (const record of [token({ sessionRevokedAt: T0 }), token({ sessionExpiresAt: T0 })]) {
      const { service, tx } = setup({}, { token: record });
      expect(await errorCode(service.refresh('x'.repeat(43)))).toBe('INVALID_REFRESH_TOKEN');
      expect(tx.rotate).not.toHaveBeenCalled();
    }
  });

  // Found in a test audit (2026-12-07): disabling an account revokes its sessions first, so no
  // other test reached this check; a session left active (a revocation that failed) must not renew.
  it('refuses to renew an active session of a disabled or deleted account', async () => {
    for (const owner of [user({ disabledAt: T0 }), user({ deletedAt: T0 })]) {
      const { service } = setup({}, { token: token(), user: owner });
      expect(await errorCode(service.refresh('x'.repeat(43)))).toBe('INVALID_REFRESH_TOKEN');
    }
  });

  it('counts the refresh against the per-session limit before taking the row lock', async () => {
    const { service, rateLimits, sessions } = setup({}, { token: token() });
    await service.refresh('x'.repeat(43));
    expect(rateLimits.consume).toHaveBeenCalledWith('refresh', 'session:session-1');
    const limitOrder = vi.mocked(rateLimits.consume).mock.invocationCallOrder[0] ?? 0;
    const lockOrder = vi.mocked(sessions.withLockedRefreshToken).mock.invocationCallOrder[0] ?? 0;
    expect(limitOrder).toBeLessThan(lockOrder);
  });
});

describe('AuthService.login', () => {
  it('does the same work for an unknown account as for a wrong password', async () => {
    const unknown = setup();
    expect(
      await errorCode(
        unknown.service.login(
          { email: 'nobody@example.com', password: 'guess' },
          { ip: '1.2.3.4', userAgent: null },
        ),
      ),
    ).toBe('INVALID_CREDENTIALS');
    expect(unknown.crypto.verifyPassword).toHaveBeenCalledTimes(1);
    // Not a hash on top (the first unknown sign-in of a process used to make its dummy hash).
    expect(unknown.crypto.hashPassword).not.toHaveBeenCalled();
    expect(unknown.users.incrementFailedLogins).toHaveBeenCalledTimes(1);

    const known = setup({}, { user: user() });
    expect(
      await errorCode(
        known.service.login(
          { email: 'ada@example.com', password: 'guess' },
          { ip: '1.2.3.4', userAgent: null },
        ),
      ),
    ).toBe('INVALID_CREDENTIALS');
    expect(known.crypto.verifyPassword).toHaveBeenCalledTimes(1);
    expect(known.users.incrementFailedLogins).toHaveBeenCalledWith('user-1', SPEC_TRANSACTION);
    // The owner sees the failed attempt in their activity; an unknown account has none to see.
    expect(known.activityTypes()).toEqual(['sign_in_failed:password']);
    expect(unknown.activityTypes()).toEqual([]);
  });

  it('locks for 15 minutes at the threshold, doubling with each earlier lockout, and mails the owner', async () => {
    const { service, users, mail, activityTypes } = setup(
      { AUTH_LOCKOUT_THRESHOLD: '3' },
      { user: user({ lockoutCount: 2 }) },
    );
    vi.mocked(users.incrementFailedLogins).mockResolvedValue(3);
    await errorCode(
      service.login({ email: 'ada@example.com', password: 'guess' }, { ip: '1.2.3.4', userAgent: null }),
    );
    expect(users.update).toHaveBeenCalledWith(
      'user-1',
      {
        failedLoginCount: 0,
        lockoutCount: 3,
        lockedUntil: new Date(T0.getTime() + 60 * 60_000),
        updatedAt: T0,
      },
      SPEC_TRANSACTION,
    );
    expect(activityTypes()).toEqual(['sign_in_failed:password', 'account_locked']);
    expect(mail.sent).toHaveBeenCalledWith(
      'ada@example.com',
      'accountLocked',
      60,
      'http://localhost:3000/forgot-password',
    );
  });

  it('refuses the right password while locked, with the same error', async () => {
    const { service, crypto } = setup({}, { user: user({ lockedUntil: new Date(T0.getTime() + 60_000) }) });
    vi.mocked(crypto.verifyPassword).mockResolvedValue(true);
    expect(
      await errorCode(
        service.login({ email: 'ada@example.com', password: 'right' }, { ip: '1.2.3.4', userAgent: null }),
      ),
    ).toBe('INVALID_CREDENTIALS');
  });

  it('rehashes on sign-in when the stored hash used older parameters, and signs in', async () => {
    // The row the session's transaction locks holds the new hash, as after the rehash.
    const { service, crypto, users } = setup(
      {},
      { user: user(), lockedUser: user({ passwordHash: 'hash' }) },
    );
    vi.mocked(crypto.verifyPassword).mockResolvedValue(true);
    vi.mocked(crypto.passwordNeedsRehash).mockReturnValue(true);
    const result = await service.login(
      { email: 'ada@example.com', password: 'right' },
      { ip: '1.2.3.4', userAgent: null },
    );
    expect(users.replacePasswordHash).toHaveBeenCalledWith('user-1', user().passwordHash, 'hash', T0);
    expect(result).toMatchObject({ accessToken: 'access.token.jwt' });
  });

  // Found in review (2026-12-07): the challenge was issued without the check a session gets, so an
  // old-password sign-in racing a reset on a two-step account finished its second step afterwards.
  it('issues no second-step challenge when the password changed since it was checked', async () => {
    const twoStep = user({ mfaEnabledAt: T0 });
    const { service, crypto, oneTimeTokens, users } = setup(
      {},
      { user: twoStep, lockedUser: { ...twoStep, passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$reset' } },
    );
    vi.mocked(crypto.verifyPassword).mockResolvedValue(true);
    expect(
      await errorCode(
        service.login({ email: 'ada@example.com', password: 'right' }, { ip: '1.2.3.4', userAgent: null }),
      ),
    ).toBe('SIGN_IN_INTERRUPTED');
    expect(users.lockById).toHaveBeenCalledWith('user-1', SPEC_TRANSACTION);
    expect(oneTimeTokens.issue).not.toHaveBeenCalled();
  });

  it('refuses the sign-in when a reset replaced the password before the rehash could', async () => {
    const { service, crypto, users } = setup(
      {},
      { user: user(), lockedUser: user({ passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$reset' }) },
    );
    vi.mocked(crypto.verifyPassword).mockResolvedValue(true);
    vi.mocked(crypto.passwordNeedsRehash).mockReturnValue(true);
    vi.mocked(users.replacePasswordHash).mockResolvedValue(false);
    expect(
      await errorCode(
        service.login({ email: 'ada@example.com', password: 'right' }, { ip: '1.2.3.4', userAgent: null }),
      ),
    ).toBe('SIGN_IN_INTERRUPTED');
  });
});

describe('AuthService.verifyEmailCode (signing in with an emailed code)', () => {
  const unverified = () => user({ emailVerifiedAt: null });

  // Found in review (2026-12-07): five taken four-digit names in a row answered 500.
  it('makes an account for a new address by code, with a longer name suffix when short ones are taken', async () => {
    const { service, users } = setup(
      { AUTH_EMAIL_CODE_SIGNUP: 'true' },
      { code: '424242', lockedUser: user({ passwordHash: null, emailVerifiedAt: T0 }) },
    );
    vi.mocked(users.findByEmail).mockResolvedValue(undefined);
    for (let taken = 0; taken < 4; taken++) vi.mocked(users.create).mockResolvedValueOnce('username');
    const result = await service.verifyEmailCode({ email: 'ada@example.com', code: '424242' }, CLIENT);
    expect(result).toMatchObject({ accessToken: 'access.token.jwt' });
    const names = vi.mocked(users.create).mock.calls.map(([row]) => (row as { username: string }).username);
    expect(names).toHaveLength(5);
    for (const name of names.slice(0, 3)) expect(name).toMatch(/^ada\d{4}$/);
    for (const name of names.slice(3)) expect(name).toMatch(/^ada\d{8}$/);
  });

  it('ends what the registrant set up when the owner first proves the address (verification required)', async () => {
    // Registered while verification was off: a password, sessions, keys, a passkey, a second step.
    const squatted = user({ emailVerifiedAt: null, mfaEnabledAt: T0 });
    const { service, sessions, apiKeys, passkeys, mfa, users, cache } = setup(
      { AUTH_REQUIRE_EMAIL_VERIFICATION: 'true' },
      { user: squatted, code: '424242', lockedUser: user({ passwordHash: null, emailVerifiedAt: T0 }) },
    );
    vi.mocked(sessions.revokeAll).mockResolvedValue(['registrant-1', 'registrant-2']);
    const result = await service.verifyEmailCode({ email: 'ada@example.com', code: '424242' }, CLIENT);
    // The owner gets a session, not the registrant's second step.
    expect(result).toMatchObject({ accessToken: 'access.token.jwt' });
    expect(sessions.revokeAll).toHaveBeenCalledWith(
      'user-1',
      T0,
      'registrant_replaced',
      undefined,
      SPEC_TRANSACTION,
    );
    expect(apiKeys.revokeAllOf).toHaveBeenCalledWith('user-1', T0, SPEC_TRANSACTION);
    expect(passkeys.deleteAllOf).toHaveBeenCalledWith('user-1', SPEC_TRANSACTION);
    expect(mfa.disable).toHaveBeenCalledWith('user-1', T0, SPEC_TRANSACTION);
    expect(users.update).toHaveBeenCalledWith(
      'user-1',
      { emailVerifiedAt: T0, passwordHash: null, mfaEnabledAt: null, updatedAt: T0 },
      SPEC_TRANSACTION,
    );
    // Before the owner's session is written, in its transaction; and gone from this instance's cache.
    expect(vi.mocked(sessions.revokeAll).mock.invocationCallOrder[0]).toBeLessThan(
      vi.mocked(sessions.create).mock.invocationCallOrder[0] ?? 0,
    );
    expect(cache.invalidate).toHaveBeenCalledWith(['registrant-1', 'registrant-2']);
  });

  it('ends nothing of an account that was verified, or when verification is not required', async () => {
    for (const [env, account] of [
      [{ AUTH_REQUIRE_EMAIL_VERIFICATION: 'true' }, user({ emailVerifiedAt: T0 })],
      [{}, user({ emailVerifiedAt: null })],
    ] as const) {
      const { service, sessions, apiKeys, passkeys, mfa } = setup(env, { user: account, code: '424242' });
      await service.verifyEmailCode({ email: 'ada@example.com', code: '424242' }, CLIENT);
      expect(sessions.revokeAll).not.toHaveBeenCalled();
      for (const call of [apiKeys.revokeAllOf, passkeys.deleteAllOf, mfa.disable])
        expect(call).not.toHaveBeenCalled();
    }
  });

  it('takes no code for an address without an account once its guesses are spent, right or wrong', async () => {
    const { service, users, oneTimeTokens, rateLimits } = setup(
      { AUTH_EMAIL_CODE_SIGNUP: 'true' },
      { code: '424242' },
    );
    vi.mocked(users.findByEmail).mockResolvedValue(undefined);
    vi.mocked(rateLimits.codeGuessesLeft).mockResolvedValue(false);
    expect(
      await errorCode(service.verifyEmailCode({ email: 'new@example.com', code: '424242' }, CLIENT)),
    ).toBe('INVALID_CODE');
    expect(rateLimits.codeGuessesLeft).toHaveBeenCalledWith('new@example.com');
    expect(oneTimeTokens.attemptCode).not.toHaveBeenCalled();
    expect(users.create).not.toHaveBeenCalled();
  });

  it('uses the code and verifies the address in the transaction that writes the session', async () => {
    const { service, oneTimeTokens, users, sessions, activityTypes } = setup(
      {},
      { user: unverified(), code: '424242' },
    );
    const result = await service.verifyEmailCode({ email: 'ada@example.com', code: '424242' }, CLIENT);
    expect(result).toMatchObject({ accessToken: 'access.token.jwt' });
    // Checked with the attempt counted and the code kept, then used alongside the session.
    expect(oneTimeTokens.attemptCode).toHaveBeenCalledWith(
      'ada@example.com',
      'email_code',
      T0,
      5,
      expect.any(Function),
      'keep',
    );
    expect(oneTimeTokens.markUsed).toHaveBeenCalledWith('code-1', T0, SPEC_TRANSACTION);
    expect(users.update).toHaveBeenCalledWith(
      'user-1',
      { emailVerifiedAt: T0, updatedAt: T0 },
      SPEC_TRANSACTION,
    );
    expect(sessions.create).toHaveBeenCalledWith(expect.anything(), SPEC_TRANSACTION);
    expect(activityTypes()).toEqual(['signed_in:email_code']);
  });

  it('starts no session when another request used the code first', async () => {
    const { service, oneTimeTokens, sessions, activityTypes } = setup(
      {},
      { user: unverified(), code: '424242' },
    );
    vi.mocked(oneTimeTokens.markUsed).mockResolvedValue(false);
    expect(
      await errorCode(service.verifyEmailCode({ email: 'ada@example.com', code: '424242' }, CLIENT)),
    ).toBe('INVALID_CODE');
    expect(sessions.create).not.toHaveBeenCalled();
    expect(activityTypes()).toEqual([]);
  });
});

describe('AuthService.startSession (the account changed meanwhile)', () => {
  const client = { ip: '203.0.113.7', userAgent: null };

  it('writes no session when the password, two-step sign-in or the account changed since the sign-in read it', async () => {
    for (const changed of [
      user({ passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$reset' }),
      user({ mfaEnabledAt: T0 }),
      user({ email: 'new@example.com' }),
      user({ disabledAt: T0 }),
      user({ deletedAt: T0 }),
    ]) {
      const { service, sessions, activityTypes } = setup({}, { lockedUser: changed });
      await expect(service.startSession(user(), client, 'password')).rejects.toMatchObject({
        code: 'SIGN_IN_INTERRUPTED',
      });
      expect(sessions.create).not.toHaveBeenCalled();
      expect(activityTypes()).toEqual([]);
    }
  });

  it('writes the session, the row locked in its transaction, when only the failure count or verification moved', async () => {
    const { service, users, sessions } = setup(
      {},
      {
        lockedUser: user({ failedLoginCount: 3, emailVerifiedAt: T0, updatedAt: new Date(T0.getTime() + 1) }),
      },
    );
    await service.startSession(user(), client, 'password');
    expect(users.lockById).toHaveBeenCalledWith('user-1', SPEC_TRANSACTION);
    expect(sessions.create).toHaveBeenCalledOnce();
  });
});

describe('AuthService.startSession (earlier lockouts)', () => {
  const client = { ip: '203.0.113.7', userAgent: null };
  it('sets the lockout count back once the owner completes a sign-in, in the session’s transaction', async () => {
    const { service, users, sessions } = setup({}, { lockedUser: user({ lockoutCount: 4 }) });
    await service.startSession(user({ lockoutCount: 4 }), client, 'password');
    expect(users.update).toHaveBeenCalledWith('user-1', { lockoutCount: 0, updatedAt: T0 }, SPEC_TRANSACTION);
    expect(sessions.create).toHaveBeenCalledOnce();
  });

  it('writes nothing to the account when there was no lockout', async () => {
    const { service, users } = setup();
    await service.startSession(user(), client, 'password');
    expect(users.update).not.toHaveBeenCalled();
  });
});

describe('AuthService.startSession (the new-device notice)', () => {
  const LINUX_CHROME = {
    ip: '203.0.113.7',
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0 Safari/537.36',
  };
  const WINDOWS_FIREFOX = {
    ip: '198.51.100.4',
    userAgent: 'Mozilla/5.0 (Windows NT 10.0; rv:133.0) Gecko/20100101 Firefox/133.0',
  };
  const notices = (mail: ReturnType<typeof recordingMail>) =>
    mail.sent.mock.calls.filter(([, template]) => template === 'newDeviceSignIn');

  it('mails the owner about a device none of the recent sign-ins came from, once', async () => {
    const { service, mail, activity, activityRecorded } = setup();
    activityRecorded.push(activity.event('user-1', 'signed_in', { client: LINUX_CHROME }, 'registration'));
    await service.startSession(user(), LINUX_CHROME, 'password');
    expect(notices(mail)).toHaveLength(0);
    await service.startSession(user(), WINDOWS_FIREFOX, 'password');
    expect(notices(mail)).toHaveLength(1);
    expect(notices(mail)[0]).toEqual([
      'ada@example.com',
      'newDeviceSignIn',
      'Firefox on Windows',
      '198.51.100.4',
      T0,
      'http://localhost:3000/sessions',
    ]);
    // Queued with the session: no session from a new device exists without its notice.
    expect(mail.queue).toHaveBeenCalledWith(
      SPEC_TRANSACTION,
      expect.anything(),
      'newDeviceSignIn',
      'Firefox on Windows',
      '198.51.100.4',
      T0,
      'http://localhost:3000/sessions',
    );
    await service.startSession(user(), WINDOWS_FIREFOX, 'passkey');
    expect(notices(mail)).toHaveLength(1);
  });

  it('sends none for an emailed code or link, nor for an account with no recorded sign-in', async () => {
    const codes = setup();
    codes.activityRecorded.push(
      codes.activity.event('user-1', 'signed_in', { client: LINUX_CHROME }, 'password'),
    );
    await codes.service.startSession(user(), WINDOWS_FIREFOX, 'email_code');
    await codes.service.startSession(user(), { ...WINDOWS_FIREFOX, userAgent: 'curl/8.11.0' }, 'email_link');
    expect(notices(codes.mail)).toHaveLength(0);

    const fresh = setup();
    await fresh.service.startSession(user(), WINDOWS_FIREFOX, 'password');
    expect(notices(fresh.mail)).toHaveLength(0);
  });
});

describe('AuthService.confirmIdentity (re-authentication before deleting the account or minting an API key)', () => {
  const ME = { method: 'bearer', userId: 'user-1', sessionId: 'session-1', role: 'user' } as const;

  it('asks a password account for its password, and checks nothing without one', async () => {
    const { service, crypto } = setup({}, { user: user() });
    expect(await errorCode(service.confirmIdentity(ME, {}))).toBe('REAUTHENTICATION_REQUIRED');
    // A code is not a substitute for the password of an account that has one.
    expect(await errorCode(service.confirmIdentity(ME, { code: '123456' }))).toBe(
      'REAUTHENTICATION_REQUIRED',
    );
    expect(crypto.verifyPassword).not.toHaveBeenCalled();
  });

  it('counts a wrong password like a failed sign-in, per account and towards the lockout', async () => {
    const { service, users, rateLimits, sessions } = setup(
      { AUTH_LOCKOUT_THRESHOLD: '3' },
      { user: user({ failedLoginCount: 1 }) },
    );
    vi.mocked(users.incrementFailedLogins).mockResolvedValue(2);
    expect(await errorCode(service.confirmIdentity(ME, { password: 'guess' }))).toBe(
      'CURRENT_PASSWORD_INCORRECT',
    );
    expect(rateLimits.consume).toHaveBeenCalledWith('signIn', 'reauth:account:user-1');
    expect(users.incrementFailedLogins).toHaveBeenCalledWith('user-1', SPEC_TRANSACTION);
    // Below the threshold nothing is locked and the session stays.
    expect(users.update).not.toHaveBeenCalled();
    expect(sessions.revoke).not.toHaveBeenCalled();
  });

  it('signs out the session whose wrong password locks the account, and mails the owner', async () => {
    const { service, users, mail, sessions, cache, activityTypes } = setup(
      { AUTH_LOCKOUT_THRESHOLD: '3' },
      { user: user({ failedLoginCount: 2 }) },
    );
    vi.mocked(users.incrementFailedLogins).mockResolvedValue(3);
    expect(await errorCode(service.confirmIdentity(ME, { password: 'guess' }))).toBe('ACCOUNT_LOCKED');
    expect(users.incrementFailedLogins).toHaveBeenCalledWith('user-1', SPEC_TRANSACTION);
    expect(users.update).toHaveBeenCalledWith(
      'user-1',
      expect.objectContaining({ lockedUntil: new Date(T0.getTime() + 15 * 60_000) }),
      SPEC_TRANSACTION,
    );
    // A wrong password at re-authentication is not listed on its own; the lockout it caused is.
    expect(activityTypes()).toEqual(['account_locked']);
    expect(mail.sent).toHaveBeenCalledWith(
      'ada@example.com',
      'accountLocked',
      15,
      'http://localhost:3000/forgot-password',
    );
    // In the lockout's transaction: no locked account keeps the session that guessed it there.
    expect(sessions.revoke).toHaveBeenCalledWith(
      'user-1',
      'session-1',
      T0,
      'reauthentication_lockout',
      SPEC_TRANSACTION,
    );
    expect(cache.invalidate).toHaveBeenCalledWith(['session-1']);
  });

  it('refuses even the right password while the account is locked', async () => {
    const { service, crypto } = setup({}, { user: user({ lockedUntil: new Date(T0.getTime() + 60_000) }) });
    vi.mocked(crypto.verifyPassword).mockResolvedValue(true);
    expect(await errorCode(service.confirmIdentity(ME, { password: 'right' }))).toBe('ACCOUNT_LOCKED');
    expect(crypto.verifyPassword).not.toHaveBeenCalled();
  });

  it('accepts the right password and clears the failures counted so far', async () => {
    const { service, crypto, users } = setup({}, { user: user({ failedLoginCount: 4 }) });
    vi.mocked(crypto.verifyPassword).mockResolvedValue(true);
    await service.confirmIdentity(ME, { password: 'right' });
    expect(crypto.verifyPassword).toHaveBeenCalledWith(user().passwordHash, 'right');
    expect(users.update).toHaveBeenCalledWith('user-1', { failedLoginCount: 0, updatedAt: T0 });
  });

  // Found in review (2026-12-07): a proof checked before a password reset was spent after it.
  it('spends the proof under the account lock only while the password it was checked against stands', async () => {
    const held = setup({}, { user: user() });
    vi.mocked(held.crypto.verifyPassword).mockResolvedValue(true);
    await (await held.service.confirmIdentity(ME, { password: 'right' })).spend(SPEC_TRANSACTION);
    expect(held.users.lockById).toHaveBeenCalledWith('user-1', SPEC_TRANSACTION);

    // Only the password checked holds, under the hash checked (a reset put another one in place).
    const onlyTheCheckedHash = (hash: string) => Promise.resolve(hash === user().passwordHash);
    for (const since of [
      user({ passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$reset' }),
      user({ disabledAt: T0 }),
    ]) {
      const changed = setup({}, { user: user(), lockedUser: since });
      vi.mocked(changed.crypto.verifyPassword).mockImplementation(onlyTheCheckedHash);
      const { spend } = await changed.service.confirmIdentity(ME, { password: 'right' });
      expect(await errorCode(spend(SPEC_TRANSACTION))).toBe('CONFIRMATION_INTERRUPTED');
    }

    // A sign-in re-hashed the same password with newer parameters meanwhile: not an interruption.
    const rehash = '$argon2id$v=19$m=19456,t=3,p=1$rehashed';
    const rehashed = setup({}, { user: user(), lockedUser: user({ passwordHash: rehash }) });
    vi.mocked(rehashed.crypto.verifyPassword).mockResolvedValue(true);
    await (await rehashed.service.confirmIdentity(ME, { password: 'right' })).spend(SPEC_TRANSACTION);
    expect(rehashed.crypto.verifyPassword).toHaveBeenLastCalledWith(rehash, 'right');
    expect(rehashed.sessions.isLiveIn).toHaveBeenCalledWith(ME.sessionId, T0, SPEC_TRANSACTION);

    // A reset to the same password also leaves a hash that holds it, but signed this session out.
    const resetToSame = setup({}, { user: user(), lockedUser: user({ passwordHash: rehash }) });
    vi.mocked(resetToSame.crypto.verifyPassword).mockResolvedValue(true);
    vi.mocked(resetToSame.sessions.isLiveIn).mockResolvedValue(false);
    const { spend: afterReset } = await resetToSame.service.confirmIdentity(ME, { password: 'right' });
    expect(await errorCode(afterReset(SPEC_TRANSACTION))).toBe('CONFIRMATION_INTERRUPTED');

    // An account without a password that got one meanwhile (a reset): the code is not used.
    const passwordless = user({ passwordHash: null, emailVerifiedAt: T0 });
    const coded = setup(
      {},
      { user: passwordless, code: '424242', codePurpose: 'reauthentication_code', lockedUser: user() },
    );
    const { spend } = await coded.service.confirmIdentity(ME, { code: '424242' });
    expect(await errorCode(spend(SPEC_TRANSACTION))).toBe('CONFIRMATION_INTERRUPTED');
    expect(coded.oneTimeTokens.markUsed).not.toHaveBeenCalled();
  });

  it('asks an account without a password for an emailed code, and checks it', async () => {
    const passwordless = user({ passwordHash: null, emailVerifiedAt: T0 });
    const { service, rateLimits, oneTimeTokens } = setup(
      {},
      { user: passwordless, code: '424242', codePurpose: 'reauthentication_code' },
    );
    expect(await errorCode(service.confirmIdentity(ME, { password: 'anything' }))).toBe(
      'REAUTHENTICATION_REQUIRED',
    );
    expect(await errorCode(service.confirmIdentity(ME, { code: '000000' }))).toBe('INVALID_CODE');
    await service.confirmIdentity(ME, { code: '424242' });
    // The attempt is counted now; the code itself is kept for the change to use.
    expect(oneTimeTokens.attemptCode).toHaveBeenCalledWith(
      'ada@example.com',
      'reauthentication_code',
      T0,
      5,
      expect.any(Function),
      'keep',
    );
    expect(oneTimeTokens.markUsed).not.toHaveBeenCalled();
    expect(rateLimits.consume).toHaveBeenCalledWith('signIn', 'reauth:account:user-1');
  });

  // Found in review (2026-12-07): wrong codes were not counted, so a session could guess on.
  it('counts a wrong code towards the lockout, and signs out the session whose guess locks the account', async () => {
    const passwordless = user({ passwordHash: null, emailVerifiedAt: T0 });
    const counted = setup({}, { user: passwordless, code: '424242', codePurpose: 'reauthentication_code' });
    expect(await errorCode(counted.service.confirmIdentity(ME, { code: '000000' }))).toBe('INVALID_CODE');
    expect(counted.users.incrementFailedLogins).toHaveBeenCalledWith('user-1', SPEC_TRANSACTION);
    expect(counted.sessions.revoke).not.toHaveBeenCalled();

    const locking = setup(
      { AUTH_LOCKOUT_THRESHOLD: '3' },
      { user: passwordless, code: '424242', codePurpose: 'reauthentication_code' },
    );
    vi.mocked(locking.users.incrementFailedLogins).mockResolvedValue(3);
    expect(await errorCode(locking.service.confirmIdentity(ME, { code: '000000' }))).toBe('ACCOUNT_LOCKED');
    expect(locking.sessions.revoke).toHaveBeenCalledWith(
      'user-1',
      'session-1',
      T0,
      'reauthentication_lockout',
      SPEC_TRANSACTION,
    );
    expect(locking.cache.invalidate).toHaveBeenCalledWith(['session-1']);
  });

  it('refuses even the right code while the account is locked, and clears the failures on success', async () => {
    const locked = user({
      passwordHash: null,
      emailVerifiedAt: T0,
      lockedUntil: new Date(T0.getTime() + 60_000),
    });
    const refused = setup({}, { user: locked, code: '424242', codePurpose: 'reauthentication_code' });
    expect(await errorCode(refused.service.confirmIdentity(ME, { code: '424242' }))).toBe('ACCOUNT_LOCKED');
    expect(refused.oneTimeTokens.attemptCode).not.toHaveBeenCalled();

    const failing = user({ passwordHash: null, emailVerifiedAt: T0, failedLoginCount: 2 });
    const cleared = setup({}, { user: failing, code: '424242', codePurpose: 'reauthentication_code' });
    await cleared.service.confirmIdentity(ME, { code: '424242' });
    expect(cleared.users.update).toHaveBeenCalledWith('user-1', { failedLoginCount: 0, updatedAt: T0 });
  });

  it("uses the code in the change's transaction, and refuses when another request used it first", async () => {
    const passwordless = user({ passwordHash: null, emailVerifiedAt: T0 });
    const { service, oneTimeTokens } = setup(
      {},
      { user: passwordless, code: '424242', codePurpose: 'reauthentication_code' },
    );
    const confirmed = await service.confirmIdentity(ME, { code: '424242' });
    expect(confirmed.user.id).toBe('user-1');
    await confirmed.spend(SPEC_TRANSACTION);
    expect(oneTimeTokens.markUsed).toHaveBeenCalledWith('code-1', T0, SPEC_TRANSACTION);
    vi.mocked(oneTimeTokens.markUsed).mockResolvedValueOnce(false);
    expect(await errorCode(confirmed.spend(SPEC_TRANSACTION))).toBe('INVALID_CODE');
  });

  it('spends nothing for a password', async () => {
    const { service, crypto, oneTimeTokens } = setup({}, { user: user() });
    vi.mocked(crypto.verifyPassword).mockResolvedValue(true);
    const confirmed = await service.confirmIdentity(ME, { password: 'right' });
    await confirmed.spend(SPEC_TRANSACTION);
    expect(oneTimeTokens.markUsed).not.toHaveBeenCalled();
  });

  it('does not take a sign-in code: only one the signed-in owner asked for says what it is for', async () => {
    const passwordless = user({ passwordHash: null, emailVerifiedAt: T0 });
    const { service } = setup({}, { user: passwordless, code: '424242', codePurpose: 'email_code' });
    expect(await errorCode(service.confirmIdentity(ME, { code: '424242' }))).toBe('INVALID_CODE');
  });

  it('treats the token of a deleted account as signed out', async () => {
    const { service } = setup({}, { user: user({ deletedAt: T0 }) });
    expect(await errorCode(service.confirmIdentity(ME, { password: 'right' }))).toBe('SESSION_REVOKED');
  });
});

describe('AuthService.resetPassword', () => {
  const RESET = { token: 'reset-token', password: 'correct horse battery staple' };
  const CLIENT = { ip: '198.51.100.9', userAgent: null };

  it('spends the link in the transaction that sets the password and signs out every session', async () => {
    const { service, oneTimeTokens, users, sessions, cache, activityTypes, crypto } = setup();
    vi.mocked(oneTimeTokens.consume).mockResolvedValueOnce({
      userId: 'user-1',
      email: 'ada@example.com',
    } as never);
    vi.mocked(sessions.revokeAll).mockResolvedValueOnce(['s1', 's2']);
    await service.resetPassword(RESET, CLIENT);
    expect(oneTimeTokens.consume).toHaveBeenCalledWith(
      'password_reset',
      crypto.sha256('reset-token'),
      T0,
      SPEC_TRANSACTION,
    );
    // Read on the transaction too (a pool of one connection, a Lambda's, has no other), and locked:
    // the row as committed now, not a snapshot from before the wait.
    expect(users.lockById).toHaveBeenCalledWith('user-1', SPEC_TRANSACTION);
    expect(users.update).toHaveBeenCalledWith(
      'user-1',
      expect.objectContaining({ passwordHash: 'hash', lockedUntil: null }),
      SPEC_TRANSACTION,
    );
    expect(sessions.revokeAll).toHaveBeenCalledWith(
      'user-1',
      T0,
      'password_reset',
      undefined,
      SPEC_TRANSACTION,
    );
    expect(activityTypes()).toEqual(['password_reset']);
    expect(cache.invalidate).toHaveBeenCalledWith(['s1', 's2']);
  });

  it('changes nothing for a spent, unknown or expired link', async () => {
    const { service, users, sessions, activityTypes } = setup();
    expect(await errorCode(service.resetPassword(RESET, CLIENT))).toBe('INVALID_OR_EXPIRED_TOKEN');
    expect(users.update).not.toHaveBeenCalled();
    expect(sessions.revokeAll).not.toHaveBeenCalled();
    expect(activityTypes()).toEqual([]);
  });
});

describe('AuthService.confirmEmailVerification', () => {
  const LINK = { token: 'verify-token' };
  const CLIENT = { ip: '198.51.100.9', userAgent: null };
  const liveLink = { id: 'link-1', userId: 'user-1', email: 'ada@example.com' };

  it('spends the link, marks the address verified and writes the session in one transaction', async () => {
    const { service, oneTimeTokens, users, sessions, activityTypes, crypto } = setup();
    vi.mocked(oneTimeTokens.findLive).mockResolvedValueOnce(liveLink as never);
    vi.mocked(oneTimeTokens.consume).mockResolvedValueOnce(liveLink as never);
    const result = await service.confirmEmailVerification(LINK, CLIENT);
    expect(result).toMatchObject({ accessToken: 'access.token.jwt' });
    const hash = crypto.sha256('verify-token');
    expect(oneTimeTokens.findLive).toHaveBeenCalledWith('email_verification', hash, T0);
    expect(oneTimeTokens.consume).toHaveBeenCalledWith('email_verification', hash, T0, SPEC_TRANSACTION);
    expect(users.update).toHaveBeenCalledWith(
      'user-1',
      { emailVerifiedAt: T0, updatedAt: T0 },
      SPEC_TRANSACTION,
    );
    expect(sessions.create).toHaveBeenCalledWith(
      expect.objectContaining({ userId: 'user-1' }),
      SPEC_TRANSACTION,
    );
    expect(activityTypes()).toEqual(['signed_in:email_link']);
  });

  // Found in review: the link signed a disabled account in (a session row and a sign-in event).
  it('refuses a disabled account, leaving the link unspent and writing nothing', async () => {
    const { service, oneTimeTokens, users, sessions, activityTypes } = setup(
      {},
      { user: user({ disabledAt: T0 }) },
    );
    vi.mocked(oneTimeTokens.findLive).mockResolvedValueOnce(liveLink as never);
    await expect(service.confirmEmailVerification(LINK, CLIENT)).rejects.toMatchObject({
      code: 'ACCOUNT_DISABLED',
    });
    expect(oneTimeTokens.consume).not.toHaveBeenCalled();
    expect(users.update).not.toHaveBeenCalled();
    expect(sessions.create).not.toHaveBeenCalled();
    expect(activityTypes()).toEqual([]);
  });

  it('with two-step sign-in on, answers the challenge, issued in the transaction that spends the link', async () => {
    const { service, oneTimeTokens, sessions } = setup({}, { user: user({ mfaEnabledAt: T0 }) });
    vi.mocked(oneTimeTokens.findLive).mockResolvedValueOnce(liveLink as never);
    vi.mocked(oneTimeTokens.consume).mockResolvedValueOnce(liveLink as never);
    expect(await service.confirmEmailVerification(LINK, CLIENT)).toMatchObject({ status: 'mfa_required' });
    expect(oneTimeTokens.consume).toHaveBeenCalledWith(
      'email_verification',
      expect.any(String),
      T0,
      SPEC_TRANSACTION,
    );
    expect(oneTimeTokens.issue).toHaveBeenCalledWith(
      expect.objectContaining({ purpose: 'mfa_challenge', userId: 'user-1' }),
      SPEC_TRANSACTION,
    );
    expect(sessions.create).not.toHaveBeenCalled();
  });

  it('signs nobody in for an unknown link, or one spent meanwhile (verifying nothing)', async () => {
    const unknown = setup();
    expect(await errorCode(unknown.service.confirmEmailVerification(LINK, CLIENT))).toBe(
      'INVALID_OR_EXPIRED_TOKEN',
    );
    expect(unknown.oneTimeTokens.consume).not.toHaveBeenCalled();
    const raced = setup();
    vi.mocked(raced.oneTimeTokens.findLive).mockResolvedValueOnce(liveLink as never);
    expect(await errorCode(raced.service.confirmEmailVerification(LINK, CLIENT))).toBe(
      'INVALID_OR_EXPIRED_TOKEN',
    );
    for (const { users, sessions, activityTypes } of [unknown, raced]) {
      expect(users.update).not.toHaveBeenCalled();
      expect(sessions.create).not.toHaveBeenCalled();
      expect(activityTypes()).toEqual([]);
    }
  });
});

describe('AuthService.confirmEmailVerification of an account unverified from before', () => {
  const CLIENT = { ip: '198.51.100.9', userAgent: null };
  const liveLink = { id: 'link-1', userId: 'user-1', email: 'ada@example.com' };
  const REQUIRED = { AUTH_REQUIRE_EMAIL_VERIFICATION: 'true' };

  // Found in review (2026-12-07): opening the link verified a squatter's account, password and all.
  it('takes the password chosen at registration, refusing without it and counting a wrong one', async () => {
    const { service, oneTimeTokens, users, sessions, crypto } = setup(REQUIRED, { user: user() });
    vi.mocked(oneTimeTokens.findLive).mockResolvedValue(liveLink as never);
    expect(await errorCode(service.confirmEmailVerification({ token: 'verify-token' }, CLIENT))).toBe(
      'REGISTRATION_PASSWORD_REQUIRED',
    );
    expect(
      await errorCode(
        service.confirmEmailVerification({ token: 'verify-token', password: 'a guess' }, CLIENT),
      ),
    ).toBe('REGISTRATION_PASSWORD_WRONG');
    expect(users.incrementFailedLogins).toHaveBeenCalledWith('user-1', SPEC_TRANSACTION);
    expect(oneTimeTokens.consume).not.toHaveBeenCalled();
    expect(sessions.create).not.toHaveBeenCalled();

    vi.mocked(crypto.verifyPassword).mockResolvedValue(true);
    vi.mocked(oneTimeTokens.consume).mockResolvedValueOnce(liveLink as never);
    expect(
      await service.confirmEmailVerification({ token: 'verify-token', password: 'the registrant’s' }, CLIENT),
    ).toMatchObject({ accessToken: 'access.token.jwt' });
  });

  it('refuses while the account is locked, and asks nothing of an account without a password', async () => {
    const locked = setup(REQUIRED, { user: user({ lockedUntil: new Date(T0.getTime() + 60_000) }) });
    vi.mocked(locked.oneTimeTokens.findLive).mockResolvedValue(liveLink as never);
    vi.mocked(locked.crypto.verifyPassword).mockResolvedValue(true);
    expect(
      await errorCode(locked.service.confirmEmailVerification({ token: 't', password: 'right' }, CLIENT)),
    ).toBe('ACCOUNT_LOCKED');
    const passwordless = setup(REQUIRED, { user: user({ passwordHash: null }) });
    vi.mocked(passwordless.oneTimeTokens.findLive).mockResolvedValue(liveLink as never);
    vi.mocked(passwordless.oneTimeTokens.consume).mockResolvedValueOnce(liveLink as never);
    expect(await passwordless.service.confirmEmailVerification({ token: 't' }, CLIENT)).toMatchObject({
      accessToken: 'access.token.jwt',
    });
  });
});

describe('AuthService.confirmEmailVerification of a pending registration', () => {
  const LINK = { token: 'registration-token', password: 'fine passphrase' };
  const CLIENT = { ip: '198.51.100.9', userAgent: null };
  const pending = (crypto: CryptoRepository) => ({
    id: 'pending-1',
    email: 'new@example.com',
    username: 'newname',
    passwordHash: 'registrant-hash',
    tokenHash: crypto.sha256('registration-token'),
    attempts: 0,
    createdAt: T0,
    expiresAt: new Date(T0.getTime() + 60_000),
  });
  /** A registration whose password is the one in LINK. */
  const withPassword = (context: ReturnType<typeof setup>) => {
    vi.mocked(context.crypto.verifyPassword).mockImplementation(
      async (hash: string, password: string) => hash === 'registrant-hash' && password === 'fine passphrase',
    );
    context.pendingRegistrations.findLive.mockResolvedValueOnce(pending(context.crypto));
    return context;
  };

  it('makes the verified account with its session and sign-in event, ending the address’s registrations in the same transaction', async () => {
    const { service, pendingRegistrations, users, sessions, activityTypes, crypto } = withPassword(setup());
    const result = await service.confirmEmailVerification(LINK, CLIENT);
    expect(result).toMatchObject({ accessToken: 'access.token.jwt' });
    expect(users.create).toHaveBeenCalledWith(
      expect.objectContaining({
        email: 'new@example.com',
        username: 'newname',
        passwordHash: 'registrant-hash',
        emailVerifiedAt: T0,
      }),
      expect.any(Function),
    );
    expect(pendingRegistrations.consumeAll).toHaveBeenCalledWith(
      'new@example.com',
      crypto.sha256('registration-token'),
      SPEC_TRANSACTION,
    );
    expect(sessions.create).toHaveBeenCalledWith(
      expect.objectContaining({ signInMethod: 'email_link' }),
      SPEC_TRANSACTION,
    );
    expect(activityTypes()).toEqual(['signed_in:email_link']);
  });

  // Found in review: the link alone made the account, so the owner of an address someone else had
  // registered made that account, with the registrant's password, by opening the link mailed to them.
  it('asks for the password chosen at sign-up, counts each one given, and makes nothing without the right one', async () => {
    const context = withPassword(setup());
    context.pendingRegistrations.findLive.mockResolvedValue(pending(context.crypto));
    expect(await errorCode(context.service.confirmEmailVerification({ token: LINK.token }, CLIENT))).toBe(
      'REGISTRATION_PASSWORD_REQUIRED',
    );
    expect(context.pendingRegistrations.spendAttempt).not.toHaveBeenCalled();
    expect(
      await errorCode(
        context.service.confirmEmailVerification({ ...LINK, password: 'the owner’s guess' }, CLIENT),
      ),
    ).toBe('REGISTRATION_PASSWORD_WRONG');
    expect(context.pendingRegistrations.spendAttempt).toHaveBeenCalledWith('pending-1', 5);
    // Spent: the registration ends.
    context.pendingRegistrations.spendAttempt.mockResolvedValueOnce(false);
    expect(await errorCode(context.service.confirmEmailVerification(LINK, CLIENT))).toBe(
      'INVALID_OR_EXPIRED_TOKEN',
    );
    expect(context.pendingRegistrations.delete).toHaveBeenCalledWith('pending-1');
    expect(context.users.create).not.toHaveBeenCalled();
  });

  it('answers which field an account took meanwhile, and spends the registration (all of the address’s, for the address)', async () => {
    for (const field of ['email', 'username'] as const) {
      const { service, pendingRegistrations, users, crypto } = withPassword(setup());
      pendingRegistrations.findLive.mockResolvedValue(pending(crypto));
      vi.mocked(users.create).mockResolvedValueOnce(field);
      expect(await errorCode(service.confirmEmailVerification(LINK, CLIENT))).toBe(
        field === 'email' ? 'EMAIL_TAKEN' : 'USERNAME_TAKEN',
      );
      if (field === 'email')
        expect(pendingRegistrations.deleteForEmail).toHaveBeenCalledWith('new@example.com');
      else expect(pendingRegistrations.delete).toHaveBeenCalledWith('pending-1');
    }
  });

  // Found in review: the account's insert comes first, so a second use of a link racing the first
  // met the first's account and answered 409 EMAIL_TAKEN ("an account exists, sign in instead").
  it('answers a link whose registration another use just turned into the account as spent', async () => {
    const { service, pendingRegistrations, users } = withPassword(setup());
    pendingRegistrations.findLive.mockResolvedValueOnce(undefined);
    vi.mocked(users.create).mockResolvedValueOnce('email');
    expect(await errorCode(service.confirmEmailVerification(LINK, CLIENT))).toBe('INVALID_OR_EXPIRED_TOKEN');
    expect(pendingRegistrations.deleteForEmail).not.toHaveBeenCalled();
  });

  it('makes nothing for a link another use spent first', async () => {
    const { service, pendingRegistrations, sessions, activityTypes } = withPassword(setup());
    pendingRegistrations.consumeAll.mockResolvedValueOnce(false);
    expect(await errorCode(service.confirmEmailVerification(LINK, CLIENT))).toBe('INVALID_OR_EXPIRED_TOKEN');
    expect(sessions.create).not.toHaveBeenCalled();
    expect(activityTypes()).toEqual([]);
  });

  it('mails no new link for a registration (the newest of an address may be someone else’s)', async () => {
    const { service, pendingRegistrations, mail } = setup({ AUTH_UNIFORM_RESPONSE_MS: '0' });
    await service.requestEmailVerification({ email: 'new@example.com' }, CLIENT);
    expect(mail.sent).not.toHaveBeenCalled();
    expect(pendingRegistrations.create).not.toHaveBeenCalled();
  });
});

describe('AuthService.changePassword', () => {
  const ME = { method: 'bearer', userId: 'user-1', sessionId: 'session-1', role: 'user' } as const;

  // Regression: the current password could be guessed at argon2 speed with an access token.
  it('counts a wrong current password towards the lockout, and is rate-limited per account', async () => {
    const { service, users, rateLimits } = setup({}, { user: user() });
    expect(
      await errorCode(
        service.changePassword(ME, { currentPassword: 'guess', newPassword: 'a new passphrase' }, CLIENT),
      ),
    ).toBe('CURRENT_PASSWORD_INCORRECT');
    expect(rateLimits.consume).toHaveBeenCalledWith('signIn', 'reauth:account:user-1');
    expect(users.incrementFailedLogins).toHaveBeenCalledWith('user-1', SPEC_TRANSACTION);
  });
});

describe('AuthService.register', () => {
  it('refuses common passwords before hashing anything', async () => {
    const { service, crypto } = setup();
    expect(
      await errorCode(
        service.register(
          { email: 'a@example.com', username: 'aaa', password: 'password123' },
          { ip: '1', userAgent: null },
        ),
      ),
    ).toBe('PASSWORD_TOO_COMMON');
    expect(crypto.hashPassword).not.toHaveBeenCalled();
  });

  it('counts a registration per address as well as per IP, and against the mail limit when it mails', async () => {
    const dto = { email: 'new@example.com', username: 'newname', password: 'fine passphrase' };
    const plain = setup();
    await plain.service.register(dto, { ip: '1', userAgent: null });
    expect(plain.rateLimits.consume).toHaveBeenCalledWith(
      'signIn',
      'register:ip:1',
      'register:account:new@example.com',
    );
    expect(plain.rateLimits.consume).not.toHaveBeenCalledWith('email', expect.anything());
    const verifying = setup({ AUTH_REQUIRE_EMAIL_VERIFICATION: 'true', AUTH_UNIFORM_RESPONSE_MS: '0' });
    await verifying.service.register(dto, { ip: '1', userAgent: null });
    expect(verifying.rateLimits.consume).toHaveBeenCalledWith('email', 'address:new@example.com');
  });

  // Regression (outage test): a session write failing after the user insert left a half-created account.
  it('writes the account, its first session and the sign-in event in one transaction', async () => {
    const { service, sessions, activityTypes } = setup();
    const result = await service.register(
      { email: 'new@example.com', username: 'newname', password: 'fine passphrase' },
      { ip: '1', userAgent: null },
    );
    expect(result.status).toBe(201);
    expect(sessions.create).toHaveBeenCalledTimes(1);
    expect(sessions.create).toHaveBeenCalledWith(
      expect.objectContaining({ userId: expect.any(String) }),
      SPEC_TRANSACTION,
    );
    expect(activityTypes()).toEqual(['signed_in:registration']);
  });

  it('with verification required, keeps a pending registration and mails its link, making no account', async () => {
    const { service, pendingRegistrations, users, sessions, mail, crypto } = setup({
      AUTH_REQUIRE_EMAIL_VERIFICATION: 'true',
      AUTH_UNIFORM_RESPONSE_MS: '0',
    });
    const result = await service.register(
      { email: 'new@example.com', username: 'newname', password: 'fine passphrase' },
      { ip: '1', userAgent: null },
    );
    expect(result).toEqual({ status: 202, body: { status: 'verification_required' } });
    expect(users.create).not.toHaveBeenCalled();
    expect(sessions.create).not.toHaveBeenCalled();
    const [to, template, link] = mail.sent.mock.calls[0] ?? [];
    expect([to, template]).toEqual(['new@example.com', 'verifyEmail']);
    const token = /\/verify-email#token=([\w-]+)$/.exec(String(link))?.[1] ?? '';
    expect(pendingRegistrations.create).toHaveBeenCalledWith({
      id: expect.any(String),
      email: 'new@example.com',
      username: 'newname',
      passwordHash: 'hash',
      tokenHash: crypto.sha256(token),
      createdAt: T0,
      expiresAt: new Date(T0.getTime() + 24 * 60 * 60_000),
    });
  });

  it('with verification required, answers an existing email like a new one and sends the owner a notice', async () => {
    const { service, users, mail } = setup({ AUTH_REQUIRE_EMAIL_VERIFICATION: 'true' }, { user: user() });
    const result = await service.register(
      { email: 'ada@example.com', username: 'newname', password: 'fine passphrase' },
      { ip: '1', userAgent: null },
    );
    expect(result).toEqual({ status: 202, body: { status: 'verification_required' } });
    expect(users.create).not.toHaveBeenCalled();
    expect(mail.sent).toHaveBeenCalledWith(
      'ada@example.com',
      'accountExists',
      'http://localhost:3000/sign-in',
    );
  });

  // Found in review (2026-12-07): "sign in instead" told the owner of a deleted account, not yet
  // erased, to do what is refused; the notice now says when the address is free again.
  it('with verification required, tells the address of a deleted account when it can register again', async () => {
    const deletedAt = new Date('2026-12-01T10:00:00Z');
    const { service, users, mail } = setup(
      { AUTH_REQUIRE_EMAIL_VERIFICATION: 'true' },
      { user: user({ deletedAt }) },
    );
    const result = await service.register(
      { email: 'ada@example.com', username: 'newname', password: 'fine passphrase' },
      { ip: '1', userAgent: null },
    );
    expect(result).toEqual({ status: 202, body: { status: 'verification_required' } });
    expect(users.create).not.toHaveBeenCalled();
    expect(mail.sent).toHaveBeenCalledWith('ada@example.com', 'addressOfDeletedAccount', '2026-12-31');
    expect(mail.sent).not.toHaveBeenCalledWith('ada@example.com', 'accountExists', expect.anything());
  });

  // Found in review: 202 for an existing address came before the username check, so a username
  // known to be taken told an attacker which addresses had accounts (202) and which not (409).
  it('with verification required, answers a taken username with 409 whether or not the email has an account', async () => {
    const taken = { email: 'ada@example.com', username: 'ada', password: 'fine passphrase' };
    const client = { ip: '1', userAgent: null };
    const existing = setup({ AUTH_REQUIRE_EMAIL_VERIFICATION: 'true' }, { user: user() });
    expect(await errorCode(existing.service.register(taken, client))).toBe('USERNAME_TAKEN');
    expect(existing.mail.sent).not.toHaveBeenCalled();
    const fresh = setup({ AUTH_REQUIRE_EMAIL_VERIFICATION: 'true' });
    vi.mocked(fresh.users.findByEmail).mockResolvedValue(undefined);
    vi.mocked(fresh.users.findByUsername).mockResolvedValue(user());
    expect(await errorCode(fresh.service.register({ ...taken, email: 'nobody@example.com' }, client))).toBe(
      'USERNAME_TAKEN',
    );
    expect(fresh.pendingRegistrations.create).not.toHaveBeenCalled();
    expect(fresh.mail.sent).not.toHaveBeenCalled();
  });
});

describe('answers that must not tell whether an account exists', () => {
  const client = { ip: '1', userAgent: null };

  /** A service whose clock moves only when the mail is sent (by `sendMs`) or the service sleeps. */
  function timed(sendMs: number, options: { user?: UserRow; env?: Record<string, string> } = {}) {
    const context = setup({ AUTH_UNIFORM_RESPONSE_MS: '500', ...options.env }, { user: options.user });
    let elapsed = 0;
    vi.mocked(context.clock.now).mockImplementation(() => new Date(T0.getTime() + elapsed));
    vi.mocked(context.clock.sleep).mockImplementation(async (ms: number) => {
      elapsed += ms;
    });
    vi.mocked(context.mail.sent).mockImplementation(async () => {
      elapsed += sendMs;
    });
    return { ...context, elapsed: () => elapsed };
  }

  const neutralRequests = [
    [
      'forgot-password',
      (service: AuthService) => service.forgotPassword({ email: 'ada@example.com' }, client),
    ],
    [
      'verification request',
      (service: AuthService) => service.requestEmailVerification({ email: 'ada@example.com' }, client),
    ],
    [
      'email-code start',
      (service: AuthService) => service.startEmailCode({ email: 'ada@example.com' }, client),
    ],
  ] as const;

  it.each(neutralRequests)(
    '%s takes AUTH_UNIFORM_RESPONSE_MS for a known and for an unknown address',
    async (_, call) => {
      const known = timed(120, { user: user() });
      await call(known.service);
      expect(known.mail.sent).toHaveBeenCalledTimes(1);
      // The mail is waited for until the answer is due, no longer (a slow SES must not stretch it).
      expect(vi.mocked(known.mail.sendBefore).mock.calls[0]?.[0]).toBe(T0.getTime() + 500);
      expect(known.clock.sleep).toHaveBeenCalledWith(380);
      expect(known.elapsed()).toBe(500);
      const unknown = timed(120);
      await call(unknown.service);
      expect(unknown.mail.sent).not.toHaveBeenCalled();
      expect(unknown.elapsed()).toBe(500);
    },
  );

  it('mails no verification link to a disabled account, in the same time', async () => {
    const disabled = timed(120, { user: user({ disabledAt: T0 }) });
    await disabled.service.requestEmailVerification({ email: 'ada@example.com' }, client);
    expect(disabled.mail.sent).not.toHaveBeenCalled();
    expect(disabled.elapsed()).toBe(500);
  });

  it('failed sign-ins take it too, the one that locks the account and mails its owner included', async () => {
    const locking = timed(200, {
      user: user({ passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$stored' }),
      env: { AUTH_LOCKOUT_THRESHOLD: '1' },
    });
    vi.mocked(locking.users.incrementFailedLogins).mockResolvedValue(1);
    expect(
      await errorCode(locking.service.login({ email: 'ada@example.com', password: 'guess' }, client)),
    ).toBe('INVALID_CREDENTIALS');
    expect(locking.mail.sent).toHaveBeenCalledTimes(1);
    // Queued with the lock, and waited for until the answer is due, no longer.
    expect(locking.mail.queue).toHaveBeenCalledWith(
      SPEC_TRANSACTION,
      expect.anything(),
      'accountLocked',
      expect.any(Number),
      expect.any(String),
    );
    expect(vi.mocked(locking.mail.deliver).mock.calls[0]?.[1]).toBe(T0.getTime() + 500);
    expect(locking.elapsed()).toBe(500);
    const unknown = timed(200);
    expect(
      await errorCode(unknown.service.login({ email: 'nobody@example.com', password: 'guess' }, client)),
    ).toBe('INVALID_CREDENTIALS');
    expect(unknown.elapsed()).toBe(500);
  });

  it('registration with verification takes it for a new and an existing address', async () => {
    const dto = { email: 'ada@example.com', username: 'newname', password: 'fine passphrase' };
    const env = { AUTH_REQUIRE_EMAIL_VERIFICATION: 'true' };
    const existing = timed(150, { user: user(), env });
    expect((await existing.service.register(dto, client)).status).toBe(202);
    expect(existing.elapsed()).toBe(500);
    const fresh = timed(150, { env });
    expect((await fresh.service.register(dto, client)).status).toBe(202);
    expect(fresh.elapsed()).toBe(500);
    for (const { mail } of [existing, fresh])
      expect(vi.mocked(mail.sendBefore).mock.calls.map(([answerBy]) => answerBy)).toEqual([
        T0.getTime() + 500,
      ]);
  });

  it('waits for the mail as long as it takes when there is no floor (AUTH_UNIFORM_RESPONSE_MS=0)', async () => {
    const unpadded = timed(120, { user: user(), env: { AUTH_UNIFORM_RESPONSE_MS: '0' } });
    await unpadded.service.forgotPassword({ email: 'ada@example.com' }, client);
    expect(vi.mocked(unpadded.mail.sendBefore).mock.calls[0]?.[0]).toBeUndefined();
    expect(unpadded.clock.sleep).not.toHaveBeenCalled();
  });

  it('says so when the work overruns the floor (it no longer hides the difference)', async () => {
    const slow = timed(700, { user: user() });
    await slow.service.forgotPassword({ email: 'ada@example.com' }, client);
    expect(slow.clock.sleep).not.toHaveBeenCalled();
    expect(slow.logger.warn).toHaveBeenCalledWith(
      { elapsedMs: 700, floorMs: 500 },
      expect.stringContaining('AUTH_UNIFORM_RESPONSE_MS'),
    );
  });
});

describe('AuthService.sendReauthenticationCode', () => {
  const ME = { method: 'bearer', userId: 'user-1', sessionId: 'session-1', role: 'user' } as const;

  it('mails the owner of an account without a password a code that says what it is for', async () => {
    const passwordless = user({ passwordHash: null, emailVerifiedAt: T0 });
    const { service, oneTimeTokens, mail, rateLimits } = setup({}, { user: passwordless });
    await service.sendReauthenticationCode(ME);
    expect(rateLimits.consume).toHaveBeenCalledWith('email', 'reauthentication-code:account:user-1');
    expect(oneTimeTokens.issue).toHaveBeenCalledWith(
      expect.objectContaining({
        purpose: 'reauthentication_code',
        email: 'ada@example.com',
        userId: 'user-1',
        expiresAt: new Date(T0.getTime() + 10 * 60_000),
      }),
    );
    expect(mail.sent).toHaveBeenCalledWith(
      'ada@example.com',
      'reauthenticationCode',
      expect.stringMatching(/^\d{6}$/),
      'http://localhost:3000/sessions',
    );
  });

  it('refuses an account with a password, which confirms with it, before mailing anything', async () => {
    const { service, oneTimeTokens, mail, rateLimits } = setup({}, { user: user() });
    expect(await errorCode(service.sendReauthenticationCode(ME))).toBe('ACCOUNT_HAS_PASSWORD');
    expect(rateLimits.consume).not.toHaveBeenCalled();
    expect(oneTimeTokens.issue).not.toHaveBeenCalled();
    expect(mail.sent).not.toHaveBeenCalled();
  });
});

describe('AuthService.setPassword (a first password for an account made by email code)', () => {
  const ME = { method: 'bearer', userId: 'user-1', sessionId: 'session-1', role: 'user' } as const;
  const passwordless = () => user({ passwordHash: null, emailVerifiedAt: T0 });

  it('sets it with a confirmation code, keeps the other sessions and mails the owner', async () => {
    const { service, users, sessions, mail, activityTypes, oneTimeTokens } = setup(
      {},
      { user: passwordless(), code: '424242', codePurpose: 'reauthentication_code' },
    );
    await service.setPassword(ME, { code: '424242', newPassword: 'a long new passphrase' }, CLIENT);
    expect(users.update).toHaveBeenCalledWith(
      'user-1',
      { passwordHash: 'hash', updatedAt: T0 },
      SPEC_TRANSACTION,
    );
    // The code is used in the password's transaction.
    expect(oneTimeTokens.markUsed).toHaveBeenCalledWith('code-1', T0, SPEC_TRANSACTION);
    expect(sessions.revokeAll).not.toHaveBeenCalled();
    expect(activityTypes()).toEqual(['password_set']);
    expect(mail.sent).toHaveBeenCalledWith('ada@example.com', 'passwordSet');
    // Queued in the change's transaction: the two commit together.
    expect(mail.queue).toHaveBeenCalledWith(SPEC_TRANSACTION, expect.anything(), 'passwordSet');
  });

  it('refuses a wrong code, one used meanwhile, a common password (before spending the code) and an account with a password', async () => {
    const wrong = setup({}, { user: passwordless(), code: '424242', codePurpose: 'reauthentication_code' });
    expect(
      await errorCode(
        wrong.service.setPassword(ME, { code: '000000', newPassword: 'a long new passphrase' }, CLIENT),
      ),
    ).toBe('INVALID_CODE');
    expect(wrong.users.update).not.toHaveBeenCalled();

    const raced = setup({}, { user: passwordless(), code: '424242', codePurpose: 'reauthentication_code' });
    vi.mocked(raced.oneTimeTokens.markUsed).mockResolvedValue(false);
    expect(
      await errorCode(
        raced.service.setPassword(ME, { code: '424242', newPassword: 'a long new passphrase' }, CLIENT),
      ),
    ).toBe('INVALID_CODE');
    expect(raced.users.update).not.toHaveBeenCalled();
    expect(raced.activityTypes()).toEqual([]);

    const common = setup({}, { user: passwordless(), code: '424242', codePurpose: 'reauthentication_code' });
    expect(
      await errorCode(common.service.setPassword(ME, { code: '424242', newPassword: 'password123' }, CLIENT)),
    ).toBe('PASSWORD_TOO_COMMON');
    expect(common.oneTimeTokens.attemptCode).not.toHaveBeenCalled();

    const hasOne = setup({}, { user: user() });
    expect(
      await errorCode(
        hasOne.service.setPassword(ME, { code: '424242', newPassword: 'a long new passphrase' }, CLIENT),
      ),
    ).toBe('ACCOUNT_HAS_PASSWORD');
    expect(hasOne.users.update).not.toHaveBeenCalled();
  });
});
