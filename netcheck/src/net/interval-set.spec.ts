import { describe, expect, it } from 'vitest';
import { ALL_IPV4, INTERNET, NON_INTERNET } from './address-space.js';
import { IntervalSet } from './interval-set.js';
import { parseCidr, parseIpv4, toCidrStrings } from './ipv4.js';

const cidr = (text: string): IntervalSet => {
  const parsed = parseCidr(text);
  if (!parsed) throw new Error(text);
  return parsed.addresses;
};

describe('IntervalSet', () => {
  it('normalises overlapping and adjacent ranges', () => {
    const set = IntervalSet.fromRanges([
      [10, 20],
      [5, 9],
      [30, 40],
      [15, 25],
    ]);
    expect(set.ranges()).toEqual([
      [5, 25],
      [30, 40],
    ]);
    expect(set.size()).toBe(21 + 11);
  });

  it('intersects, subtracts and unions', () => {
    const a = IntervalSet.fromRanges([
      [0, 10],
      [20, 30],
    ]);
    const b = IntervalSet.range(5, 25);
    expect(a.intersect(b).ranges()).toEqual([
      [5, 10],
      [20, 25],
    ]);
    expect(a.subtract(b).ranges()).toEqual([
      [0, 4],
      [26, 30],
    ]);
    expect(a.union(b).ranges()).toEqual([[0, 30]]);
    expect(b.subtract(a).ranges()).toEqual([[11, 19]]);
  });

  it('recognises 0.0.0.0/1 + 128.0.0.0/1 as the whole IPv4 space (and so the whole internet)', () => {
    const halves = cidr('0.0.0.0/1').union(cidr('128.0.0.0/1'));
    expect(halves.equals(ALL_IPV4)).toBe(true);
    expect(halves.covers(INTERNET)).toBe(true);
    expect(cidr('0.0.0.0/1').covers(INTERNET)).toBe(false);
  });

  it('treats 0.0.0.0/16 as containing no internet address', () => {
    expect(cidr('0.0.0.0/16').overlaps(INTERNET)).toBe(false);
  });

  it('knows private and special ranges are not the internet', () => {
    for (const address of [
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '100.64.0.1',
      '169.254.169.254',
      '127.0.0.1',
    ]) {
      expect(INTERNET.has(parseIpv4(address) as number), address).toBe(false);
      expect(NON_INTERNET.has(parseIpv4(address) as number), address).toBe(true);
    }
    for (const address of ['8.8.8.8', '52.95.110.1', '203.0.113.5', '172.32.0.1']) {
      expect(INTERNET.has(parseIpv4(address) as number), address).toBe(true);
    }
  });

  it('covers and overlaps are consistent with subtract', () => {
    const big = cidr('10.0.0.0/16');
    const small = cidr('10.0.5.0/24');
    expect(big.covers(small)).toBe(true);
    expect(small.covers(big)).toBe(false);
    expect(big.overlaps(cidr('10.1.0.0/16'))).toBe(false);
  });
});

describe('ipv4', () => {
  it('parses CIDRs and detects host bits', () => {
    const parsed = parseCidr('10.0.1.5/24');
    expect(parsed?.hostBitsSet).toBe(true);
    expect(toCidrStrings(parsed?.addresses ?? IntervalSet.empty())).toEqual(['10.0.1.0/24']);
    expect(parseCidr('10.0.1.0/24')?.hostBitsSet).toBe(false);
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(parseCidr('10.0.0/8')).toBeUndefined();
    expect(parseCidr('256.0.0.0/8')).toBeUndefined();
  });

  it('splits a range into minimal CIDRs', () => {
    expect(
      toCidrStrings(IntervalSet.range(parseIpv4('10.0.0.0') as number, parseIpv4('10.0.2.255') as number)),
    ).toEqual(['10.0.0.0/23', '10.0.2.0/24']);
    expect(toCidrStrings(ALL_IPV4)).toEqual(['0.0.0.0/0']);
  });
});
