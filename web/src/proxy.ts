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
      // Pages only: the API (proxied in development) answers with its own headers, and static files
      // and prefetched route data are not documents a policy applies to.
      source: '/((?!api/|_next/static|_next/image|favicon.ico).*)',
      missing: [
        { type: 'header', key: 'next-router-prefetch' },
        { type: 'header', key: 'purpose', value: 'prefetch' },
      ],
    },
  ],
};
