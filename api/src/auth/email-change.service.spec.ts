import type { Logger } from 'pino';
import { describe, expect, it, vi } from 'vitest';
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
import type { UserRow } from '../database/database.types.js';
import { newUserRow } from '../users/new-user.js';
import type { UsersRepository } from '../users/users.repository.js';
import type { ReauthenticationDto } from './auth.dto.js';
import type { AuthService } from './auth.service.js';
import type { ClientInfo, UserAuth } from './auth-context.js';
import { EmailChangeService } from './email-change.service.js';
import type { OneTimeTokenRow, OneTimeTokensRepository } from './one-time-tokens.repository.js';
import type { RateLimitService } from './rate-limit.service.js';
import { UniformResponse } from './uniform-response.js';

const T0 = new Date('2026-03-01T12:00:00.000Z');
const ME: UserAuth = { method: 'bearer', userId: 'user-1', sessionId: 'session-1', role: 'user' };
const CLIENT: ClientInfo = { ip: '1.2.3.4', userAgent: null };

function user(overrides: Partial<UserRow> = {}): UserRow {
  return {
    ...newUserRow({
      id: 'user-1',
      email: 'ada@example.com',
      username: 'ada',
      passwordHash: 'hash',
      emailVerifiedAt: T0,
      now: T0,
    }),
    ...overrides,
  };
}

function setup(options: { taken?: boolean; token?: Partial<OneTimeTokenRow> | null; owner?: UserRow } = {}) {
  const owner = options.owner ?? user();
  const clock = { now: vi.fn(() => T0), sleep: vi.fn(async (_ms: number) => {}) };
  const confirmed = confirmedIdentity(owner);
  const auth = {
    confirmIdentity: vi.fn(async (_auth: UserAuth, _proof: ReauthenticationDto) => confirmed),
    ownAccount: vi.fn(async (_auth: UserAuth) => owner),
    lockOwnerOfLink: vi.fn(async (_purpose: string, _token: string, _now: Date, _trx: unknown) => {}),
  };
  const users = {
    findByEmail: vi.fn(async (_email: string) => (options.taken ? user({ id: 'other' }) : undefined)),
    findById: vi.fn(async (_id: string, _within?: unknown) => owner),
    lockById: vi.fn(async (_id: string, _trx: unknown) => owner),
    updateProfile: vi.fn(async (_id: string, _changes: object): Promise<'email' | undefined> => undefined),
  };
  const tokenRow =
    options.token === null
      ? undefined
      : ({ id: 't1', email: 'new@example.com', userId: 'user-1', ...options.token } as OneTimeTokenRow);
  const oneTimeTokens = {
    issueForAccount: vi.fn(
      async (_token: { email: string; tokenHash: string; purpose: string }, _within?: unknown) => {},
    ),
    consume: vi.fn(async (_purpose: string, _hash: string, _now: Date, _within?: unknown) => tokenRow),
  };
  const rateLimits = { consume: vi.fn(async (..._keys: string[]) => {}) };
  const mail = recordingMail();
  const config = loadConfig(
    { NODE_ENV: 'test', PUBLIC_BASE_URL: 'https://app.example.com', AUTH_UNIFORM_RESPONSE_MS: '500' },
    '/',
  );
  const logger = { warn: vi.fn() } as unknown as Logger;
  const crypto = new CryptoRepository();
  const { activity, types: activityTypes } = recordedSecurityActivity(clock as unknown as ClockRepository);
  const service = new EmailChangeService(
    auth as unknown as AuthService,
    users as unknown as UsersRepository,
    oneTimeTokens as unknown as OneTimeTokensRepository,
    crypto,
    clock as unknown as ClockRepository,
    rateLimits as unknown as RateLimitService,
    new UniformResponse(clock as unknown as ClockRepository, config, logger),
    mail,
    activity,
    SPEC_TRANSACTIONS,
    config,
  );
  return { service, auth, confirmed, users, oneTimeTokens, rateLimits, mail, clock, crypto, activityTypes };
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (error: unknown) => (error instanceof AppError ? error.code : String(error)),
  );
}

describe('EmailChangeService.request', () => {
  it('re-authenticates, mails a single-use link to the new address and a notice to the old one', async () => {
    const { service, auth, confirmed, oneTimeTokens, rateLimits, mail, crypto } = setup();
    await service.request(ME, { email: 'new@example.com', password: 'pw' }, CLIENT);
    expect(rateLimits.consume).toHaveBeenCalledWith('email', 'ip:1.2.3.4', 'address:new@example.com');
    expect(auth.confirmIdentity).toHaveBeenCalledWith(ME, { email: 'new@example.com', password: 'pw' });
    const [to, template, link, username] = mail.sent.mock.calls[0] ?? [];
    expect([to, template]).toEqual(['new@example.com', 'confirmEmailChange']);
    // Which account asks is named: two may ask for the same address.
    expect(username).toBe('ada');
    const token =
      /^https:\/\/app\.example\.com\/confirm-email-change#token=([\w-]+)$/.exec(String(link))?.[1] ?? '';
    expect(token).not.toBe('');
    // Only the digest is stored, for the new address and this user.
    expect(oneTimeTokens.issueForAccount).toHaveBeenCalledWith(
      expect.objectContaining({
        purpose: 'email_change',
        email: 'new@example.com',
        userId: 'user-1',
        tokenHash: crypto.sha256(token),
      }),
      SPEC_TRANSACTION,
    );
    // The confirmation code is used in the link's transaction, before the link is stored.
    expect(confirmed.spend).toHaveBeenCalledWith(SPEC_TRANSACTION);
    expect(confirmed.spend.mock.invocationCallOrder[0]).toBeLessThan(
      oneTimeTokens.issueForAccount.mock.invocationCallOrder[0] ?? 0,
    );
    expect(mail.sent).toHaveBeenLastCalledWith(
      'ada@example.com',
      'emailChangeRequested',
      'new@example.com',
      'https://app.example.com/forgot-password',
    );
  });

  it('answers a taken address the same way and as late, but sends it no link', async () => {
    const free = setup();
    await free.service.request(ME, { email: 'new@example.com', password: 'pw' }, CLIENT);
    const taken = setup({ taken: true });
    await taken.service.request(ME, { email: 'new@example.com', password: 'pw' }, CLIENT);
    expect(taken.oneTimeTokens.issueForAccount).not.toHaveBeenCalled();
    // The proof is spent all the same: whether it was is no hint either.
    expect(taken.confirmed.spend).toHaveBeenCalledWith(SPEC_TRANSACTION);
    expect(taken.mail.sent.mock.calls.map(([to]) => to)).toEqual(['ada@example.com']);
    // Both wait out the same floor (the fake clock does not move, so each sleeps all of it).
    expect(taken.clock.sleep).toHaveBeenCalledWith(500);
    expect(free.clock.sleep).toHaveBeenCalledWith(500);
    // The link is waited for until the answer is due, no longer (a slow SES must not stretch it).
    expect(vi.mocked(free.mail.deliver).mock.calls[0]?.[1]).toBe(T0.getTime() + 500);
  });

  it('refuses the current address before re-authenticating, and changes nothing when re-authentication fails', async () => {
    const same = setup();
    expect(await codeOf(same.service.request(ME, { email: 'ada@example.com', code: '123456' }, CLIENT))).toBe(
      'VALIDATION_FAILED',
    );
    // A confirmation code sent with it stays unused.
    expect(same.auth.confirmIdentity).not.toHaveBeenCalled();
    const refused = setup();
    refused.auth.confirmIdentity.mockRejectedValue(new AppError('CURRENT_PASSWORD_INCORRECT'));
    expect(
      await codeOf(refused.service.request(ME, { email: 'new@example.com', password: 'no' }, CLIENT)),
    ).toBe('CURRENT_PASSWORD_INCORRECT');
    for (const { oneTimeTokens, mail } of [same, refused]) {
      expect(oneTimeTokens.issueForAccount).not.toHaveBeenCalled();
      expect(mail.sent).not.toHaveBeenCalled();
    }
  });

  it('stores no link and mails nobody when the code was used meanwhile (the spend refuses)', async () => {
    const raced = setup();
    raced.confirmed.spend.mockRejectedValue(new AppError('INVALID_CODE'));
    expect(
      await codeOf(raced.service.request(ME, { email: 'new@example.com', code: '123456' }, CLIENT)),
    ).toBe('INVALID_CODE');
    // The fake transaction runs the change in order, so the link's write never starts.
    expect(raced.oneTimeTokens.issueForAccount).not.toHaveBeenCalled();
    expect(raced.mail.sent).not.toHaveBeenCalled();
  });
});

describe('EmailChangeService.confirm', () => {
  const TOKEN = { token: 'x'.repeat(43) };

  it('moves the account to the new, now verified, address and tells the old one', async () => {
    const { service, users, oneTimeTokens, mail, crypto, activityTypes } = setup({
      owner: user({ emailVerifiedAt: null }),
    });
    await service.confirm(TOKEN, CLIENT);
    expect(oneTimeTokens.consume).toHaveBeenCalledWith(
      'email_change',
      crypto.sha256(TOKEN.token),
      T0,
      SPEC_TRANSACTION,
    );
    expect(users.lockById).toHaveBeenCalledWith('user-1', SPEC_TRANSACTION);
    expect(users.updateProfile).toHaveBeenCalledWith(
      'user-1',
      { email: 'new@example.com', emailVerifiedAt: T0, updatedAt: T0 },
      SPEC_TRANSACTION,
    );
    expect(activityTypes()).toEqual(['email_changed']);
    expect(mail.sent).toHaveBeenCalledWith('ada@example.com', 'emailChanged', 'new@example.com');
    // Queued in the change's transaction: the two commit together.
    expect(mail.queue).toHaveBeenCalledWith(
      SPEC_TRANSACTION,
      expect.anything(),
      'emailChanged',
      'new@example.com',
    );
  });

  it('refuses unknown, used or expired tokens and deleted accounts, changing nothing', async () => {
    const unknown = setup({ token: null });
    expect(await codeOf(unknown.service.confirm(TOKEN, CLIENT))).toBe('INVALID_OR_EXPIRED_TOKEN');
    const deleted = setup({ owner: user({ deletedAt: T0 }) });
    expect(await codeOf(deleted.service.confirm(TOKEN, CLIENT))).toBe('INVALID_OR_EXPIRED_TOKEN');
    for (const { users, mail } of [unknown, deleted]) {
      expect(users.updateProfile).not.toHaveBeenCalled();
      expect(mail.sent).not.toHaveBeenCalled();
    }
  });

  // Found in a test audit (2026-12-07): nothing failed without this refusal.
  it('refuses a disabled account with ACCOUNT_DISABLED inside the transaction, changing nothing', async () => {
    const { service, users, mail, activityTypes } = setup({ owner: user({ disabledAt: T0 }) });
    expect(await codeOf(service.confirm(TOKEN, CLIENT))).toBe('ACCOUNT_DISABLED');
    expect(users.updateProfile).not.toHaveBeenCalled();
    // Thrown inside the change's transaction, which rolls the spent link back with it.
    expect(activityTypes()).toEqual([]);
    expect(mail.sent).not.toHaveBeenCalled();
  });

  it('says EMAIL_TAKEN when someone registered the address after the link was sent, inside the transaction', async () => {
    const { service, users, mail, activityTypes } = setup();
    users.updateProfile.mockResolvedValue('email');
    expect(await codeOf(service.confirm(TOKEN, CLIENT))).toBe('EMAIL_TAKEN');
    // Thrown inside the change's transaction, which rolls the spent link back with it.
    expect(activityTypes()).toEqual([]);
    expect(mail.sent).not.toHaveBeenCalled();
  });
});
