import { createHmac } from 'node:crypto';

/** RFC 4648 base32, the alphabet of authenticator secrets. */
const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const PERIOD_SECONDS = 30;
const DIGITS = 6;

/** The bytes of a base32 secret as an authenticator app reads it: case, spaces and padding ignored. */
export function decodeBase32(text: string): Buffer {
  const clean = text.toUpperCase().replace(/[\s=]/g, '');
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of clean) {
    const value = BASE32_ALPHABET.indexOf(char);
    if (value === -1) throw new Error(`Not base32: "${char}" in ${text}`);
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((buffer >> bits) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

/**
 * The RFC 6238 code (HMAC-SHA1, 6 digits, 30-second steps) for `key` at `atMs`: what the
 * authenticator app would show, so the test can play the app.
 */
export function totp(key: Buffer, atMs: number = Date.now()): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(atMs / 1000 / PERIOD_SECONDS)));
  const hmac = createHmac('sha1', key).update(counter).digest();
  // RFC 4226 dynamic truncation: 31 bits from the offset the last nibble names.
  const offset = (hmac[hmac.length - 1] as number) & 0x0f;
  const binary = hmac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** DIGITS).padStart(DIGITS, '0');
}
