import { describe, expect, it, vi } from 'vitest';
import { confirmedIdentity } from '../../test/support/confirmed-identity.js';
import { recordedSecurityActivity, SPEC_TRANSACTION } from '../../test/support/recorded-security-activity.js';
import { recordingMail } from '../../test/support/recording-mail.js';
import { ClockRepository } from '../common/clock/clock.repository.js';
import { CryptoRepository } from '../common/crypto/crypto.repository.js';
import { AppError } from '../common/errors/app-error.js';
import { loadConfig } from '../config/app-config.js';
import { newUserRow } from '../users/new-user.js';
import type { ApiKeysRepository } from './api-keys.repository.js';
import { ApiKeysService } from './api-keys.service.js';
import type { ReauthenticationDto } from './auth.dto.js';
import type { AuthService } from './auth.service.js';
import type { UserAuth } from './auth-context.js';

const STATIC = ['k'.repeat(32), 'z'.repeat(40)];

const OWNER: UserAuth = { method: 'bearer', userId: 'user-1', sessionId: 'session-1', role: 'user' };
const CLIENT = { ip: '203.0.113.7', userAgent: 'Spec/1.0' };

function service(found?: Awaited<ReturnType<ApiKeysRepository['findActiveByHash']>>) {
  const repository = {
    findActiveByHash: vi.fn(async (_digest: string) => found),
    touch: vi.fn(async () => {}),
    create: vi.fn(async (_row: unknown, _trx?: unknown) => {}),
    revoke: vi.fn(async (_userId: string, id: string, _now: Date, _trx?: unknown) =>
      id === 'key-1' ? 'ci' : undefined,
    ),
  };
  const config = loadConfig(
    { NODE_ENV: 'test', API_KEYS: STATIC.join(','), PUBLIC_BASE_URL: 'https://app.example.com' },
    '/',
  );
  const owner = newUserRow({
    id: 'user-1',
    email: 'ada@example.com',
    username: 'ada',
    passwordHash: 'hash',
    emailVerifiedAt: null,
    now: new Date(),
  });
  const confirmed = confirmedIdentity(owner);
  const auth = { confirmIdentity: vi.fn(async (_auth: UserAuth, _proof: ReauthenticationDto) => confirmed) };
  const mail = recordingMail();
  const { activity, types: activityTypes } = recordedSecurityActivity();
  return {
    service: new ApiKeysService(
      repository as unknown as ApiKeysRepository,
      auth as unknown as AuthService,
      new CryptoRepository(),
      new ClockRepository(),
      mail,
      activity,
      config,
    ),
    repository,
    auth,
    confirmed,
    mail,
    activityTypes,
  };
}

describe('ApiKeysService.create', () => {
  it('re-authenticates first, stores only the digest, and tells the owner by mail', async () => {
    const { service: keys, repository, auth, confirmed, mail, activityTypes } = service();
    const created = await keys.create(OWNER, { name: 'ci', scopes: ['users:read'], password: 'pw' }, CLIENT);
    expect(auth.confirmIdentity).toHaveBeenCalledWith(OWNER, {
      name: 'ci',
      scopes: ['users:read'],
      password: 'pw',
    });
    expect(repository.create).toHaveBeenCalledWith(
      expect.objectContaining({ userId: 'user-1', keyHash: new CryptoRepository().sha256(created.key) }),
      SPEC_TRANSACTION,
    );
    // The proof is spent in the key's transaction (an emailed code survives a failed write).
    expect(confirmed.spend).toHaveBeenCalledWith(SPEC_TRANSACTION);
    expect(activityTypes()).toEqual(['api_key_created:ci']);
    expect(mail.sent).toHaveBeenCalledWith(
      'ada@example.com',
      'apiKeyCreated',
      'ci',
      ['users:read'],
      'https://app.example.com/api-keys',
    );
    // Queued with the key: no key exists without its notice.
    expect(mail.queue).toHaveBeenCalledWith(
      SPEC_TRANSACTION,
      expect.anything(),
      'apiKeyCreated',
      'ci',
      ['users:read'],
      'https://app.example.com/api-keys',
    );
  });

  it('creates nothing and mails nobody when re-authentication fails', async () => {
    const { service: keys, repository, auth, mail, activityTypes } = service();
    auth.confirmIdentity.mockRejectedValue(new AppError('REAUTHENTICATION_REQUIRED'));
    await expect(keys.create(OWNER, { name: 'ci', scopes: [] }, CLIENT)).rejects.toMatchObject({
      code: 'REAUTHENTICATION_REQUIRED',
    });
    expect(repository.create).not.toHaveBeenCalled();
    expect(mail.sent).not.toHaveBeenCalled();
    expect(activityTypes()).toEqual([]);
  });

  it('creates nothing when the confirmation code was used meanwhile', async () => {
    const { service: keys, repository, confirmed, mail, activityTypes } = service();
    confirmed.spend.mockRejectedValue(new AppError('INVALID_CODE'));
    await expect(
      keys.create(OWNER, { name: 'ci', scopes: [], code: '123456' }, CLIENT),
    ).rejects.toMatchObject({
      code: 'INVALID_CODE',
    });
    expect(repository.create).not.toHaveBeenCalled();
    expect(mail.sent).not.toHaveBeenCalled();
    expect(activityTypes()).toEqual([]);
  });
});

describe('ApiKeysService.revoke', () => {
  it("revokes one of the owner's keys and records it by name in the activity", async () => {
    const { service: keys, repository, activityTypes } = service();
    await keys.revoke(OWNER, 'key-1', CLIENT);
    expect(repository.revoke).toHaveBeenCalledWith('user-1', 'key-1', expect.any(Date), SPEC_TRANSACTION);
    expect(activityTypes()).toEqual(['api_key_revoked:ci']);
  });

  it('answers API_KEY_NOT_FOUND for a key the owner does not have, and records nothing', async () => {
    const { service: keys, activityTypes } = service();
    await expect(keys.revoke(OWNER, 'key-2', CLIENT)).rejects.toMatchObject({ code: 'API_KEY_NOT_FOUND' });
    expect(activityTypes()).toEqual([]);
  });
});

describe('ApiKeysService.authenticate', () => {
  it('accepts each static key and refuses near misses', async () => {
    const { service: keys } = service();
    expect(await keys.authenticate(STATIC[1] as string)).toEqual({ kind: 'static' });
    expect(await keys.authenticate(`${STATIC[0]}x`)).toBeUndefined();
    expect(await keys.authenticate('k'.repeat(31))).toBeUndefined();
  });

  it('looks database keys up by digest, never by the key itself', async () => {
    const { service: keys, repository } = service({
      id: 'key-1',
      userId: 'user-1',
      scopes: 'users:read files:write',
      disabledAt: null,
      deletedAt: null,
    });
    const result = await keys.authenticate('cn_live_abcdef');
    expect(result).toMatchObject({
      kind: 'user',
      auth: { userId: 'user-1', role: 'user', scopes: ['users:read', 'files:write'] },
    });
    const digest = repository.findActiveByHash.mock.calls[0]?.[0];
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(digest).not.toContain('abcdef');
  });

  it('refuses a database key whose owner is disabled', async () => {
    const { service: keys } = service({
      id: 'key-1',
      userId: 'user-1',
      scopes: '',
      disabledAt: new Date(),
      deletedAt: null,
    });
    expect(await keys.authenticate('cn_live_abcdef')).toBeUndefined();
  });
});
