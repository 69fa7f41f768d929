import { beforeAll, describe, expect, it } from 'vitest';
import { MfaVerifySchema } from './mfa.dto.js';

const mfaToken = 'x'.repeat(43);
const recoveryCodeOf = (typed: string) =>
  MfaVerifySchema.zod.parse({ mfaToken, recoveryCode: typed }).recoveryCode;

describe('MfaVerifySchema', () => {
  beforeAll(async () => {
    await MfaVerifySchema.load();
  });

  it('reads a recovery code however it was copied: case, spaces, dashes, look-alike digits', () => {
    expect(recoveryCodeOf('abolb-xyz23')).toBe('abolbxyz23');
    expect(recoveryCodeOf(' ABOLB - XYZ23 ')).toBe('abolbxyz23');
    expect(recoveryCodeOf('AB0L8-XYZ23')).toBe('abolbxyz23');
    expect(recoveryCodeOf('ab01b xyz23')).toBe('abolbxyz23');
  });

  it('reads the sixteen-character codes given since 2026-12-07 the same way', () => {
    expect(recoveryCodeOf('abcd-efgh-ijkl-mn23')).toBe('abcdefghijklmn23');
    expect(recoveryCodeOf('ABCD EFGH IJKL MN23')).toBe('abcdefghijklmn23');
    expect(recoveryCodeOf('ab0d-8fgh-1jkl-mn23')).toBe('abodbfghljklmn23');
  });

  it('refuses what cannot be a recovery code, and both or neither of the two proofs', () => {
    for (const typed of [
      'abolb-xyz2',
      'abolb-xyz239',
      'abolb-xyz29',
      'abolb-xyz2!',
      'abcd-efgh-ijkl-mn2',
      'abcd-efgh-ijkl-mn234',
    ]) {
      expect(MfaVerifySchema.zod.safeParse({ mfaToken, recoveryCode: typed }).success, typed).toBe(false);
    }
    expect(MfaVerifySchema.zod.safeParse({ mfaToken }).success).toBe(false);
    expect(
      MfaVerifySchema.zod.safeParse({ mfaToken, code: '123456', recoveryCode: 'abolbxyz23' }).success,
    ).toBe(false);
    expect(MfaVerifySchema.zod.safeParse({ mfaToken, code: '123456' }).success).toBe(true);
  });
});
