/** One byte range of an object, both ends included (`Range: bytes=start-end`). */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * The single byte range a `Range` header asks of an object of `size` bytes (RFC 9110 §14.1.2):
 * `bytes=a-b`, `bytes=a-` and the suffix `bytes=-n`, the end clamped to the object. `undefined`
 * means "serve it whole": no header, another unit, several ranges (allowed to be ignored, and no
 * player asks for them), or a header that does not parse. `'unsatisfiable'`: a valid range that
 * starts past the end, or a zero-length suffix (the answer is 416).
 */
export function byteRangeOf(
  header: string | undefined,
  size: number,
): ByteRange | 'unsatisfiable' | undefined {
  const match = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    const length = Number(last);
    if (length === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== '' && Number(last) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}
