/** The environment variable naming where browsers upload to and load avatars from, besides this origin. */
export const STORAGE_ORIGINS_VARIABLE = 'STORAGE_ORIGINS';

/**
 * The Content-Security-Policy of every page, with this request's nonce (docs/web.md, "Headers").
 *
 * Scripts: only the ones Next renders with the nonce, and what they load (`'strict-dynamic'`:
 * Next's runtime adds its chunks as script elements). So a script injected into a page's markup
 * does not run, and the access token in memory stays out of its reach. `'self'` is ignored by
 * browsers that know `'strict-dynamic'` and lets older ones load the chunks.
 *
 * Styles allow `'unsafe-inline'`: components set `style` attributes, which a nonce cannot cover,
 * and a style cannot run code. `connect-src` and `img-src` add the storage origins, for the
 * browser's presigned PUTs to the bucket and the avatars served from it. `next dev` needs
 * `'unsafe-eval'` (React rebuilds server error stacks with eval); a production build does not.
 */
export function contentSecurityPolicy(options: {
  readonly nonce: string;
  readonly development: boolean;
  readonly storageOrigins: readonly string[];
}): string {
  const { nonce, development, storageOrigins } = options;
  const storage = storageOrigins.map((origin) => ` ${origin}`).join('');
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' data: blob:${storage}`,
    "font-src 'self'",
    `connect-src 'self'${storage}`,
    "form-action 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/** A nonce for one response: 128 random bits, base64 (what CSP's `'nonce-…'` takes). */
export function newNonce(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64');
}

/** scheme://host[:port] and nothing else: no path, no characters that end a CSP source (`;`, `,`, `'`). */
const ORIGIN = /^https?:\/\/[a-z0-9.-]+(?::\d{1,5})?\/?$/i;

/**
 * Parses STORAGE_ORIGINS: origins separated by spaces or commas, e.g. the bucket's
 * `https://bucket.s3.eu-west-1.amazonaws.com`. Anything else is an error naming the variable: a
 * path would narrow the source to it, and a `;` would start a directive of its own.
 */
export function parseStorageOrigins(value: string | undefined): string[] {
  const entries = (value ?? '').split(/[\s,]+/).filter((entry) => entry.length > 0);
  return entries.map((entry) => {
    if (!ORIGIN.test(entry)) {
      throw new Error(
        `${STORAGE_ORIGINS_VARIABLE}: "${entry}" is not an origin (scheme://host[:port], e.g. https://bucket.s3.eu-west-1.amazonaws.com)`,
      );
    }
    return new URL(entry).origin;
  });
}
