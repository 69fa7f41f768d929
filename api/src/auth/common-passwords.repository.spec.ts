import { describe, expect, it } from 'vitest';
import { CommonPasswordsRepository } from './common-passwords.repository.js';

describe('CommonPasswordsRepository', () => {
  const passwords = new CommonPasswordsRepository();

  it('ships more than 10,000 entries long enough to matter', async () => {
    expect(await passwords.size()).toBeGreaterThan(10_000);
  });

  it('recognises common passwords case-insensitively and lets uncommon ones through', async () => {
    expect(await passwords.isCommon('password123')).toBe(true);
    expect(await passwords.isCommon('PASSWORD123')).toBe(true);
    expect(await passwords.isCommon('correct horse battery staple 42')).toBe(false);
  });
});
