/**
 * The web app's page `path` carrying a single-use `token`, as mailed (reset, verification and
 * address-change links). The token goes in the fragment, which browsers never send to a server:
 * in the query string every access log on the way (the front-end load balancer's records whole
 * request URLs) kept a token that still worked until used (found in review, 2026-12-07). The web
 * app reads it from there (`web/src/lib/link-token.ts`), and still reads links mailed before.
 */
export function linkWithToken(publicBaseUrl: string, path: string, token: string): string {
  return `${publicBaseUrl}${path}#token=${token}`;
}
