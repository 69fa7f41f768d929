import { describe, expect, it, vi } from 'vitest';
import { appErrorCode } from '../../test/support/app-error-code.js';
import { confirmedIdentity } from '../../test/support/confirmed-identity.js';
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
import type { AuthService } from './auth.service.js';
import type { UserAuth } from './auth-context.js';
import type { MfaRepository, TotpCredentialRow } from './mfa.repository.js';
import { MfaService } from './mfa.service.js';
import type { OneTimeTokensRepository } from './one-time-tokens.repository.js';
import type { RateLimitService } from './rate-limit.service.js';
import type { SessionStatusCache } from './session-status.cache.js';
import type { SessionsRepository } from './sessions.repository.js';
import { decodeBase32, hotp, totpStep } from './totp.js';
import { TotpSecretCipher } from './totp-secret-cipher.js';

const T0 = new Date('2026-03-01T12:00:00.000Z');
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const CLIENT = { ip: '203.0.113.7', userAgent: 'test' };
const TEST_ENV = { NODE_ENV: 'test', MFA_ENCRYPTION_KEY: 'test-mfa-encryption-key-0123456789abcdef' };
const cipherFor = (env: Record<string, string> = {}) =>
  new TotpSecretCipher(loadConfig({ ...TEST_ENV, ...env }, '/'));
// As the database holds it: sealed for the account.
const SEALED = await cipherFor().seal('user-1', SECRET);

const account = (overrides: Partial<UserRow> = {}): UserRow => ({
  ...newUserRow({
    id: 'user-1',
    email: 'ada@example.com',
    username: 'ada',
    passwordHash: 'hash',
    emailVerifiedAt: T0,
    now: T0,
  }),
  ...overrides,
});

/** An MfaService over fakes: `user` is every lookup's account, `credential` its TOTP row. */
function setup(
  options: { user?: UserRow; credential?: TotpCredentialRow; env?: Record<string, string> } = {},
) {
  const user = options.user ?? account();
  const identity = confirmedIdentity(user);
  const auth = {
    confirmIdentity: vi.fn(async () => identity),
    ownAccount: vi.fn(async () => user),
    lockLiveSession: vi.fn(async () => {}),
    recordFailedLogin: vi.fn(async () => false),
    // Like AuthService: the writes given along run in the session's transaction, before it.
    startSession: vi.fn(
      async (
        _user: UserRow,
        _client: unknown,
        _method: string,
        alongside?: (trx: Database) => Promise<void>,
      ) => {
        await alongside?.(SPEC_TRANSACTION);
        return { accessToken: 'access' };
      },
    ),
    clearFailedLogins: vi.fn(async () => {}),
  } as unknown as AuthService;
  const mfa = {
    findTotp: vi.fn(async () => options.credential),
    startTotpSetup: vi.fn(async () => true),
    enableTotp: vi.fn(async () => true),
    useTotpStep: vi.fn(async () => true),
    useRecoveryCode: vi.fn(async () => 3),
    disable: vi.fn(async () => {}),
    setRecoveryCodes: vi.fn(async () => {}),
  } as unknown as MfaRepository;
  const users = { findById: vi.fn(async () => user) } as unknown as UsersRepository;
  const challenge = { id: 'challenge-1', userId: user.id, email: user.email, attempts: 0 };
  const oneTimeTokens = {
    findLive: vi.fn(async () => challenge),
    spendAttempt: vi.fn(async () => true),
    markUsed: vi.fn(async () => true),
  } as unknown as OneTimeTokensRepository;
  const sessions = { revokeAll: vi.fn(async () => ['other-session']) } as unknown as SessionsRepository;
  const cache = { invalidate: vi.fn() } as unknown as SessionStatusCache;
  const clock = { now: vi.fn(() => T0) } as unknown as ClockRepository;
  const rateLimits = {
    consume: vi.fn(async () => {}),
    secondStepGuessesLeft: vi.fn(async (_userId: string) => true),
    recordWrongSecondStep: vi.fn(async (_userId: string) => {}),
  } as unknown as RateLimitService;
  const mail = recordingMail();
  const config = loadConfig({ ...TEST_ENV, ...options.env }, '/');
  const { activity, types: activityTypes } = recordedSecurityActivity(clock);
  const service = new MfaService(
    auth,
    mfa,
    new TotpSecretCipher(config),
    users,
    oneTimeTokens,
    sessions,
    cache,
    new CryptoRepository(),
    clock,
    rateLimits,
    mail,
    activity,
    SPEC_TRANSACTIONS,
    config,
  );
  return { service, auth, identity, mfa, oneTimeTokens, sessions, cache, mail, activityTypes };
}

const userAuth: UserAuth = { method: 'bearer', userId: 'user-1', sessionId: 'session-1', role: 'user' };
const codeAt = (offset: number) => hotp(decodeBase32(SECRET), totpStep(T0) + offset);
const pending: TotpCredentialRow = {
  userId: 'user-1',
  secret: SEALED,
  createdAt: T0,
  confirmedAt: null,
  lastUsedStep: null,
};
const confirmed: TotpCredentialRow = { ...pending, confirmedAt: T0 };

describe('MfaService', () => {
  it('names the account in the authenticator after MAIL_FROM, or the site when MAIL_FROM has no name', async () => {
    const named = setup({ env: { MAIL_FROM: '"Acme Cloud" <no-reply@acme.test>' } });
    expect((await named.service.startTotpSetup(userAuth, { password: 'x' })).otpauthUri).toMatch(
      /^otpauth:\/\/totp\/Acme%20Cloud:ada%40example\.com\?.*issuer=Acme\+Cloud/,
    );
    const bare = setup({
      env: { MAIL_FROM: 'no-reply@acme.test', PUBLIC_BASE_URL: 'https://app.acme.test' },
    });
    expect((await bare.service.startTotpSetup(userAuth, { password: 'x' })).otpauthUri).toMatch(
      /^otpauth:\/\/totp\/app\.acme\.test:ada%40example\.com\?/,
    );
  });

  it('stores the new secret sealed for the account, never in clear', async () => {
    const { service, mfa } = setup();
    const { secret } = await service.startTotpSetup(userAuth, { password: 'x' });
    const stored = vi.mocked(mfa.startTotpSetup).mock.calls[0]?.[1] ?? '';
    expect(stored).not.toContain(secret);
    expect(await cipherFor().open('user-1', stored)).toBe(secret);
  });

  it('spends the re-authentication in the transaction of each change it confirms', async () => {
    const started = setup();
    await started.service.startTotpSetup(userAuth, { code: '123456' });
    expect(started.mfa.startTotpSetup).toHaveBeenCalledWith(
      'user-1',
      expect.any(String),
      T0,
      SPEC_TRANSACTION,
    );
    const on = { user: account({ mfaEnabledAt: T0 }), credential: confirmed };
    const disabled = setup(on);
    await disabled.service.disable(userAuth, { code: '123456' }, CLIENT);
    expect(disabled.mfa.disable).toHaveBeenCalledWith('user-1', T0, SPEC_TRANSACTION);
    const replaced = setup(on);
    await replaced.service.replaceRecoveryCodes(userAuth, { code: '123456' }, CLIENT);
    expect(replaced.mfa.setRecoveryCodes).toHaveBeenCalledWith(
      'user-1',
      expect.any(Array),
      T0,
      SPEC_TRANSACTION,
    );
    for (const { identity } of [started, disabled, replaced]) {
      expect(identity.spend).toHaveBeenCalledWith(SPEC_TRANSACTION);
    }
  });

  it('changes nothing when the confirmation code was used meanwhile', async () => {
    const on = { user: account({ mfaEnabledAt: T0 }), credential: confirmed };
    const [started, disabled, replaced] = [setup(), setup(on), setup(on)] as const;
    const raced = [started, disabled, replaced];
    for (const { identity } of raced) identity.spend.mockRejectedValue(new AppError('INVALID_CODE'));
    expect(await appErrorCode(started.service.startTotpSetup(userAuth, { code: '1' }))).toBe('INVALID_CODE');
    expect(await appErrorCode(disabled.service.disable(userAuth, { code: '1' }, CLIENT))).toBe(
      'INVALID_CODE',
    );
    expect(await appErrorCode(replaced.service.replaceRecoveryCodes(userAuth, { code: '1' }, CLIENT))).toBe(
      'INVALID_CODE',
    );
    expect(started.mfa.startTotpSetup).not.toHaveBeenCalled();
    expect(disabled.mfa.disable).not.toHaveBeenCalled();
    expect(replaced.mfa.setRecoveryCodes).not.toHaveBeenCalled();
    for (const { mail, activityTypes } of raced) {
      expect(mail.sent).not.toHaveBeenCalled();
      expect(activityTypes()).toEqual([]);
    }
  });

  it('refuses to start a setup when it is on, before asking for the password', async () => {
    const { service, auth } = setup({ user: account({ mfaEnabledAt: T0 }) });
    expect(await appErrorCode(service.startTotpSetup(userAuth, { password: 'x' }))).toBe(
      'MFA_ALREADY_ENABLED',
    );
    expect(auth.confirmIdentity).not.toHaveBeenCalled();
  });

  it('turns on with the code of the pending secret, keeping the current session and mailing the owner', async () => {
    const { service, mfa, sessions, cache, mail, activityTypes } = setup({ credential: pending });
    const { recoveryCodes } = await service.enableTotp(userAuth, { code: codeAt(1) }, CLIENT);
    expect(recoveryCodes).toHaveLength(10);
    // 80 bits each (16 base32 characters): 50 left a copy of the database searchable (review, 2026-12-07).
    for (const code of recoveryCodes) expect(code).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
    expect(new Set(recoveryCodes).size).toBe(10);
    expect(mfa.enableTotp).toHaveBeenCalledWith(
      'user-1',
      SEALED,
      totpStep(T0) + 1,
      expect.any(Array),
      T0,
      SPEC_TRANSACTION,
    );
    const digests = vi.mocked(mfa.enableTotp).mock.calls[0]?.[3] ?? [];
    // Digests only, never the codes themselves.
    expect(digests.map((d) => d.codeHash)).not.toContain(recoveryCodes[0]?.replaceAll('-', ''));
    expect(digests[0]?.codeHash).toBe(
      new CryptoRepository().sha256(`user-1:${recoveryCodes[0]?.replaceAll('-', '')}`),
    );
    // The other sessions end in the transaction that turns it on and records it.
    expect(sessions.revokeAll).toHaveBeenCalledWith(
      'user-1',
      T0,
      'mfa_enabled',
      'session-1',
      SPEC_TRANSACTION,
    );
    expect(cache.invalidate).toHaveBeenCalledWith(['other-session']);
    expect(activityTypes()).toEqual(['two_step_enabled']);
    expect(mail.sent).toHaveBeenCalledWith('ada@example.com', 'mfaEnabled');
    // Queued in the change's transaction: the two commit together.
    expect(mail.queue).toHaveBeenCalledWith(SPEC_TRANSACTION, expect.anything(), 'mfaEnabled');
  });

  // Found in review (2026-12-07): a setup waited for its code for good, open to a session's guesses.
  it('does not turn on with the right code once the setup is older than its 15 minutes', async () => {
    const started = (minutesAgo: number) => ({
      ...pending,
      createdAt: new Date(T0.getTime() - minutesAgo * 60_000),
    });
    const stale = setup({ credential: started(16) });
    expect(await appErrorCode(stale.service.enableTotp(userAuth, { code: codeAt(0) }, CLIENT))).toBe(
      'MFA_SETUP_NOT_STARTED',
    );
    expect(stale.mfa.enableTotp).not.toHaveBeenCalled();
    const fresh = setup({ credential: started(14) });
    expect(
      (await fresh.service.enableTotp(userAuth, { code: codeAt(0) }, CLIENT)).recoveryCodes,
    ).toHaveLength(10);
  });

  // Found in review (2026-12-07): a thief who started the setup before the owner's password reset
  // finished it after, on a session the reset had revoked.
  it('turns on only while the session is live, checked under the account lock in the change', async () => {
    const live = setup({ credential: pending });
    await live.service.enableTotp(userAuth, { code: codeAt(0) }, CLIENT);
    expect(live.auth.lockLiveSession).toHaveBeenCalledWith(userAuth, SPEC_TRANSACTION);
    const revoked = setup({ credential: pending });
    vi.mocked(revoked.auth.lockLiveSession).mockRejectedValueOnce(new AppError('SESSION_REVOKED'));
    expect(await appErrorCode(revoked.service.enableTotp(userAuth, { code: codeAt(0) }, CLIENT))).toBe(
      'SESSION_REVOKED',
    );
    expect(revoked.mfa.enableTotp).not.toHaveBeenCalled();
    expect(revoked.activityTypes()).toEqual([]);
  });

  it('does not turn on with a code two steps away, nor when the setup was replaced meanwhile', async () => {
    const wrong = setup({ credential: pending });
    expect(await appErrorCode(wrong.service.enableTotp(userAuth, { code: codeAt(2) }, CLIENT))).toBe(
      'INVALID_CODE',
    );
    expect(wrong.mfa.enableTotp).not.toHaveBeenCalled();
    const raced = setup({ credential: pending });
    vi.mocked(raced.mfa.enableTotp).mockResolvedValueOnce(false);
    // Restarted in another tab: a new secret.
    const restarted = {
      ...pending,
      secret: await cipherFor().seal('user-1', 'KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU'),
    };
    vi.mocked(raced.mfa.findTotp).mockResolvedValueOnce(pending).mockResolvedValueOnce(restarted);
    expect(await appErrorCode(raced.service.enableTotp(userAuth, { code: codeAt(0) }, CLIENT))).toBe(
      'MFA_SETUP_NOT_STARTED',
    );
    expect(raced.mfa.enableTotp).toHaveBeenCalledTimes(1);
    expect(raced.sessions.revokeAll).not.toHaveBeenCalled();
    expect(raced.activityTypes()).toEqual([]);
  });

  it('turns on a setup a key rotation re-sealed between reading and confirming it', async () => {
    const { service, mfa, sessions } = setup({ credential: pending });
    vi.mocked(mfa.enableTotp).mockResolvedValueOnce(false);
    const resealed = { ...pending, secret: await cipherFor().seal('user-1', SECRET) };
    vi.mocked(mfa.findTotp).mockResolvedValueOnce(pending).mockResolvedValueOnce(resealed);
    expect((await service.enableTotp(userAuth, { code: codeAt(0) }, CLIENT)).recoveryCodes).toHaveLength(10);
    expect(vi.mocked(mfa.enableTotp).mock.calls.map((call) => call[1])).toEqual([SEALED, resealed.secret]);
    expect(sessions.revokeAll).toHaveBeenCalled();
  });

  it('finishes a sign-in: attempt spent first, then the code, failures, challenge and session in one transaction', async () => {
    const { service, auth, mfa, oneTimeTokens } = setup({
      user: account({ mfaEnabledAt: T0 }),
      credential: confirmed,
    });
    await service.verify({ mfaToken: 'token', code: codeAt(0) }, CLIENT);
    expect(oneTimeTokens.spendAttempt).toHaveBeenCalledWith('challenge-1', 5);
    expect(auth.startSession).toHaveBeenCalledTimes(1);
    expect(vi.mocked(auth.startSession).mock.calls[0]?.[2]).toBe('authenticator');
    expect(mfa.useTotpStep).toHaveBeenCalledWith('user-1', totpStep(T0), SPEC_TRANSACTION);
    expect(auth.clearFailedLogins).toHaveBeenCalledWith(
      expect.objectContaining({ id: 'user-1' }),
      T0,
      SPEC_TRANSACTION,
    );
    expect(oneTimeTokens.markUsed).toHaveBeenCalledWith('challenge-1', T0, SPEC_TRANSACTION);
    // The account's row before the challenge's: the order of the lockout's transaction (no deadlock).
    expect(vi.mocked(auth.clearFailedLogins).mock.invocationCallOrder[0]).toBeLessThan(
      vi.mocked(oneTimeTokens.markUsed).mock.invocationCallOrder[0] ?? 0,
    );
  });

  it('rolls the spent code back when the challenge was used meanwhile: one session for two right answers', async () => {
    const { service, oneTimeTokens, auth, mail } = setup({
      user: account({ mfaEnabledAt: T0 }),
      credential: confirmed,
    });
    vi.mocked(oneTimeTokens.markUsed).mockResolvedValueOnce(false);
    expect(
      await appErrorCode(service.verify({ mfaToken: 'token', recoveryCode: 'abcdefghij' }, CLIENT)),
    ).toBe('MFA_CHALLENGE_INVALID');
    // Thrown inside the session's transaction (which AuthService rolls back with the spent code),
    // and not counted as a wrong code; no "recovery code used" mail for it.
    expect(auth.recordFailedLogin).not.toHaveBeenCalled();
    expect(mail.sent).not.toHaveBeenCalled();
  });

  it('refuses a code whose step was used, a spent challenge, a disabled account', async () => {
    const replay = setup({ user: account({ mfaEnabledAt: T0 }), credential: confirmed });
    vi.mocked(replay.mfa.useTotpStep).mockResolvedValueOnce(false);
    expect(await appErrorCode(replay.service.verify({ mfaToken: 'token', code: codeAt(0) }, CLIENT))).toBe(
      'INVALID_CODE',
    );
    expect(replay.oneTimeTokens.markUsed).not.toHaveBeenCalled();
    // A replay counts like a wrong code.
    expect(replay.auth.recordFailedLogin).toHaveBeenCalledTimes(1);
    const wrongRecovery = setup({ user: account({ mfaEnabledAt: T0 }), credential: confirmed });
    vi.mocked(wrongRecovery.mfa.useRecoveryCode).mockResolvedValueOnce(undefined);
    expect(
      await appErrorCode(wrongRecovery.service.verify({ mfaToken: 'token', recoveryCode: 'nope' }, CLIENT)),
    ).toBe('INVALID_CODE');
    expect(wrongRecovery.oneTimeTokens.markUsed).not.toHaveBeenCalled();
    expect(wrongRecovery.mail.sent).not.toHaveBeenCalled();

    const exhausted = setup({ user: account({ mfaEnabledAt: T0 }), credential: confirmed });
    vi.mocked(exhausted.oneTimeTokens.spendAttempt).mockResolvedValueOnce(false);
    expect(await appErrorCode(exhausted.service.verify({ mfaToken: 'token', code: codeAt(0) }, CLIENT))).toBe(
      'MFA_CHALLENGE_INVALID',
    );
    expect(exhausted.mfa.useTotpStep).not.toHaveBeenCalled();

    const disabled = setup({ user: account({ mfaEnabledAt: T0, disabledAt: T0 }), credential: confirmed });
    expect(await appErrorCode(disabled.service.verify({ mfaToken: 'token', code: codeAt(0) }, CLIENT))).toBe(
      'ACCOUNT_DISABLED',
    );
    expect(disabled.auth.startSession).not.toHaveBeenCalled();
  });

  it('counts a wrong code towards the lockout; the one that locks ends the challenge', async () => {
    const counted = setup({ user: account({ mfaEnabledAt: T0 }), credential: confirmed });
    expect(await appErrorCode(counted.service.verify({ mfaToken: 'token', code: codeAt(3) }, CLIENT))).toBe(
      'INVALID_CODE',
    );
    expect(counted.auth.recordFailedLogin).toHaveBeenCalledTimes(1);
    expect(vi.mocked(counted.auth.recordFailedLogin).mock.calls[0]?.[2]?.attempt).toEqual({
      client: CLIENT,
      method: 'authenticator',
    });
    expect(counted.oneTimeTokens.markUsed).not.toHaveBeenCalled();
    // A code matching no step never opens the session's transaction.
    expect(counted.auth.startSession).not.toHaveBeenCalled();

    // The lockout runs what it is given in its own transaction (AuthService.recordFailedLogin).
    const locking = setup({ user: account({ mfaEnabledAt: T0 }), credential: confirmed });
    vi.mocked(locking.auth.recordFailedLogin).mockImplementationOnce(async (_user, _now, options) => {
      await options?.whenLocked?.(SPEC_TRANSACTION);
      return true;
    });
    expect(await appErrorCode(locking.service.verify({ mfaToken: 'token', code: codeAt(3) }, CLIENT))).toBe(
      'ACCOUNT_LOCKED',
    );
    expect(locking.oneTimeTokens.markUsed).toHaveBeenCalledWith('challenge-1', T0, SPEC_TRANSACTION);

    const locked = setup({
      user: account({ mfaEnabledAt: T0, lockedUntil: new Date(T0.getTime() + 60_000) }),
      credential: confirmed,
    });
    expect(await appErrorCode(locked.service.verify({ mfaToken: 'token', code: codeAt(0) }, CLIENT))).toBe(
      'ACCOUNT_LOCKED',
    );
    expect(locked.auth.startSession).not.toHaveBeenCalled();
  });

  it('mails the owner when a recovery code signs in, and names it as the session’s sign-in method', async () => {
    const { service, mail, auth } = setup({ user: account({ mfaEnabledAt: T0 }), credential: confirmed });
    await service.verify({ mfaToken: 'token', recoveryCode: 'abcdefghij' }, CLIENT);
    expect(mail.sent).toHaveBeenCalledWith(
      'ada@example.com',
      'recoveryCodeUsed',
      3,
      'http://localhost:3000/profile',
    );
    // Queued in the transaction that spends the code: no code is spent without its notice.
    expect(mail.queue).toHaveBeenCalledWith(
      SPEC_TRANSACTION,
      expect.anything(),
      'recoveryCodeUsed',
      3,
      'http://localhost:3000/profile',
    );
    // The session records how it was signed in.
    expect(vi.mocked(auth.startSession).mock.calls[0]?.[2]).toBe('recovery_code');
  });
});
