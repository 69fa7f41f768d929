/**
 * Stands in for the app's origin where there is no `window` (the server's prerender): resolving a
 * relative path only needs *an* origin to tell whether the path leaves it.
 */
const FALLBACK_ORIGIN = 'https://cloudnest.invalid';

/**
 * Where to go after signing in: only paths of this site, returned as pathname + search + hash.
 * Checking the string's prefix is not enough: the URL parser drops tabs and newlines and reads `\`
 * as `/`, so `/\t/evil.example` becomes `//evil.example`. The value is resolved the way the
 * browser will resolve it, and kept only if it stays on the origin.
 */
export function safeNext(
  next: string | null,
  fallback = '/profile',
  origin: string = typeof window === 'undefined' ? FALLBACK_ORIGIN : window.location.origin,
): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point.
  if (!next?.startsWith('/') || /[\u0000-\u001f\u007f\\]/.test(next)) return fallback;
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return fallback;
  }
  if (url.origin !== new URL(origin).origin) return fallback;
  const path = `${url.pathname}${url.search}${url.hash}`;
  // Dot segments can resolve to a protocol-relative path (`/.//evil.example` → `//evil.example`),
  // which the router would again read as another host.
  return path.startsWith('//') ? fallback : path;
}
