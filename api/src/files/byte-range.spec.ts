import { describe, expect, it } from 'vitest';
import { byteRangeOf } from './byte-range.js';

describe('byteRangeOf', () => {
  it.each([
    ['bytes=0-99', { start: 0, end: 99 }],
    ['bytes=100-', { start: 100, end: 999 }],
    ['bytes=-100', { start: 900, end: 999 }],
    ['bytes=-5000', { start: 0, end: 999 }],
    ['bytes=990-5000', { start: 990, end: 999 }],
    ['bytes=0-0', { start: 0, end: 0 }],
    [' bytes=1-2 ', { start: 1, end: 2 }],
  ])('reads %j of 1000 bytes', (header, range) => {
    expect(byteRangeOf(header, 1000)).toEqual(range);
  });

  it.each([
    undefined,
    '',
    'bytes=',
    'bytes=-',
    'items=0-1',
    'bytes=0-1,5-6',
    'bytes=5-1',
    'bytes=a-b',
    'bytes=1.5-2',
  ])('serves the whole object for %j', (header) => {
    expect(byteRangeOf(header, 1000)).toBeUndefined();
  });

  it.each(['bytes=1000-', 'bytes=1000-1001', 'bytes=-0'])('cannot satisfy %j of 1000 bytes', (header) => {
    expect(byteRangeOf(header, 1000)).toBe('unsatisfiable');
  });

  it('cannot satisfy any range of an empty object', () => {
    expect(byteRangeOf('bytes=0-', 0)).toBe('unsatisfiable');
    expect(byteRangeOf('bytes=-1', 0)).toBe('unsatisfiable');
  });
});
