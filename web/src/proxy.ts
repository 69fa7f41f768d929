import { type NextRequest, NextResponse } from 'next/server';
import { contentSecurityPolicy, newNonce, parseStorageOrigins } from './lib/content-security-policy';

/** Read once per server process; a malformed value fails every page, naming the variable. */
const storageOrigins = parseStorageOrigins(process.env.STORAGE_ORIGINS);
const development = process.env.NODE_ENV === 'development';

/**
 * Gives every page a Content-Security-Policy with a nonce of its own. Next reads the nonce from the
 * request's policy header while it renders and puts it on each of its scripts, which is why pages
 * are rendered per request (the root layout waits for `connection()`): a page built ahead of time
 * would carry no nonce and its scripts would be refused.
 */
export function proxy(request: NextRequest): NextResponse {
  const policy = contentSecurityPolicy({ nonce: newNonce(), development, storageOrigins });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set('content-security-policy', policy);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set('content-security-policy', policy);
  return response;
}

export const config = {
  matcher: [
    {
      // Everything but the API (proxied in development; it answers with its own headers) and the
      // router's prefetches of route data, which only the app's own scripts send and which are
      // no document. Static files get the header too, where it does nothing: the unanchored
      // exclusions before (`_next/static`, `favicon.ico`) let `/favicon.ico/x` serve the app's 404
      // page without a policy, and Chrome's prerenders and speculative prefetches (`Purpose:
      // prefetch`), which become the page the user sees, had none either (found in review,
      // 2026-12-07).
      source: '/((?!api/).*)',
      missing: [{ type: 'header', key: 'next-router-prefetch' }],
    },
  ],
};
