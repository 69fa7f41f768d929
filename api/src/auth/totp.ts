import { createHmac, timingSafeEqual } from 'node:crypto';

// RFC 6238 time-based one-time passwords with the parameters every authenticator app assumes
// when an otpauth URI names none: HMAC-SHA1, 6 digits, 30-second steps from the Unix epoch.

const PERIOD_SECONDS = 30;
const DIGITS = 6;
/** Codes of one step either side are accepted: phone clocks drift and typing takes time. */
const DRIFT_STEPS = 1;
const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 without padding: how otpauth URIs and manual entry carry a secret. */
export function encodeBase32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

export function decodeBase32(text: string): Buffer {
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of text.replace(/=+$/, '').toUpperCase()) {
    const value = BASE32_ALPHABET.indexOf(char);
    if (value < 0) throw new Error(`not a base32 character: ${JSON.stringify(char)}`);
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bytes.push((buffer >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(bytes);
}

/** RFC 4226 HOTP: the `DIGITS`-digit code of `counter`. */
export function hotp(secret: Uint8Array, counter: number, digits = DIGITS): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', secret).update(message).digest();
  const offset = (mac[mac.length - 1] as number) & 0x0f;
  const value = mac.readUInt32BE(offset) & 0x7fffffff;
  return (value % 10 ** digits).toString().padStart(digits, '0');
}

/** The 30-second step `time` falls in. */
export function totpStep(time: Date): number {
  return Math.floor(time.getTime() / 1000 / PERIOD_SECONDS);
}

/**
 * The step whose code `code` is, among the current one and `DRIFT_STEPS` either side, or
 * undefined. Every candidate is computed and compared in constant time, so the answer's timing
 * does not tell which step (or whether any) matched.
 */
export function matchingTotpStep(secret: Uint8Array, code: string, now: Date): number | undefined {
  const current = totpStep(now);
  const given = Buffer.from(code.padEnd(DIGITS, ' ').slice(0, DIGITS));
  let match: number | undefined;
  for (let step = current - DRIFT_STEPS; step <= current + DRIFT_STEPS; step++) {
    const equal = timingSafeEqual(Buffer.from(hotp(secret, step)), given);
    if (equal && match === undefined) match = step;
  }
  return code.length === DIGITS ? match : undefined;
}

/** The `otpauth://` URI an authenticator app scans (Google's key URI format). */
export function otpauthUri(options: { issuer: string; account: string; secret: string }): string {
  const label = `${encodeURIComponent(options.issuer)}:${encodeURIComponent(options.account)}`;
  const query = new URLSearchParams({
    secret: options.secret,
    issuer: options.issuer,
    algorithm: 'SHA1',
    digits: String(DIGITS),
    period: String(PERIOD_SECONDS),
  });
  return `otpauth://totp/${label}?${query.toString()}`;
}
