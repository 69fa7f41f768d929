import { describe, expect, it } from 'vitest';
import { decodeBase32, encodeBase32, hotp, matchingTotpStep, otpauthUri, totpStep } from './totp.js';

// RFC 6238 appendix B's SHA-1 key, and its RFC 4226 appendix D HOTP values.
const rfcSecret = Buffer.from('12345678901234567890', 'ascii');

describe('totp', () => {
  it('computes the RFC 4226 HOTP test values', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583'];
    expect(expected.map((_, counter) => hotp(rfcSecret, counter))).toEqual(expected);
  });

  it('computes the RFC 6238 TOTP test values (8 digits, SHA-1)', () => {
    const cases: [number, string][] = [
      [59, '94287082'],
      [1111111109, '07081804'],
      [1234567890, '89005924'],
      [20000000000, '65353130'],
    ];
    for (const [seconds, code] of cases) {
      expect(hotp(rfcSecret, totpStep(new Date(seconds * 1000)), 8)).toBe(code);
    }
  });

  it('round-trips base32 and matches the RFC 4648 vectors', () => {
    expect(encodeBase32(Buffer.from('foobar'))).toBe('MZXW6YTBOI');
    expect(encodeBase32(Buffer.from('f'))).toBe('MY');
    expect(decodeBase32('MZXW6YTBOI').toString()).toBe('foobar');
    expect(decodeBase32('mzxw6ytboi======').toString()).toBe('foobar');
    expect(decodeBase32(encodeBase32(rfcSecret))).toEqual(rfcSecret);
    expect(() => decodeBase32('MZ1')).toThrow('not a base32 character');
  });

  it('accepts the current code and one step of drift either side, nothing further', () => {
    const now = new Date(1_700_000_000_000);
    const step = totpStep(now);
    expect(matchingTotpStep(rfcSecret, hotp(rfcSecret, step), now)).toBe(step);
    expect(matchingTotpStep(rfcSecret, hotp(rfcSecret, step - 1), now)).toBe(step - 1);
    expect(matchingTotpStep(rfcSecret, hotp(rfcSecret, step + 1), now)).toBe(step + 1);
    expect(matchingTotpStep(rfcSecret, hotp(rfcSecret, step - 2), now)).toBeUndefined();
    expect(matchingTotpStep(rfcSecret, hotp(rfcSecret, step + 2), now)).toBeUndefined();
    expect(matchingTotpStep(rfcSecret, hotp(rfcSecret, step).slice(0, 5), now)).toBeUndefined();
    expect(matchingTotpStep(rfcSecret, `${hotp(rfcSecret, step)}0`, now)).toBeUndefined();
  });

  it('writes an otpauth URI with the issuer in the label and the parameters', () => {
    const text = otpauthUri({ issuer: 'Cloud Nest', account: 'a+b@example.com', secret: 'ABC' });
    expect(text.startsWith('otpauth://totp/Cloud%20Nest:a%2Bb%40example.com?')).toBe(true);
    const uri = new URL(text);
    expect(Object.fromEntries(uri.searchParams)).toEqual({
      secret: 'ABC',
      issuer: 'Cloud Nest',
      algorithm: 'SHA1',
      digits: '6',
      period: '30',
    });
  });
});
