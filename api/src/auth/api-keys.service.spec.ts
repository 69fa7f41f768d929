import { describe, expect, it, vi } from 'vitest';
import { ClockRepository } from '../common/clock/clock.repository.js';
import { CryptoRepository } from '../common/crypto/crypto.repository.js';
import { loadConfig } from '../config/app-config.js';
import type { ApiKeysRepository } from './api-keys.repository.js';
import { ApiKeysService } from './api-keys.service.js';
import type { AuthService } from './auth.service.js';

const STATIC = ['k'.repeat(32), 'z'.repeat(40)];

function service(found?: Awaited<ReturnType<ApiKeysRepository['findActiveByHash']>>) {
  const repository = {
    findActiveByHash: vi.fn(async () => found),
    touch: vi.fn(async () => {}),
  } as unknown as ApiKeysRepository;
  const config = loadConfig({ NODE_ENV: 'test', API_KEYS: STATIC.join(',') }, '/');
  // Authentication of a presented key never asks the owner to re-authenticate.
  const auth = {
    confirmIdentity: () => Promise.reject(new Error('not part of authenticating a key')),
  } as unknown as AuthService;
  return {
    service: new ApiKeysService(repository, auth, new CryptoRepository(), new ClockRepository(), config),
    repository,
  };
}

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
      role: 'user',
      disabledAt: null,
      deletedAt: null,
    });
    const result = await keys.authenticate('cn_live_abcdef');
    expect(result).toMatchObject({
      kind: 'user',
      auth: { userId: 'user-1', scopes: ['users:read', 'files:write'] },
    });
    const digest = vi.mocked(repository.findActiveByHash).mock.calls[0]?.[0];
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(digest).not.toContain('abcdef');
  });

  it('refuses a database key whose owner is disabled', async () => {
    const { service: keys } = service({
      id: 'key-1',
      userId: 'user-1',
      scopes: '',
      role: 'user',
      disabledAt: new Date(),
      deletedAt: null,
    });
    expect(await keys.authenticate('cn_live_abcdef')).toBeUndefined();
  });
});
