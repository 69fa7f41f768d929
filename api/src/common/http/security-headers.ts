import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';

/**
 * Headers on every API response: the set the OWASP REST Security Cheat Sheet recommends for
 * endpoints that return data, not documents. The CSP forbids everything (a JSON body is never
 * meant to run or load anything) and framing; responses are not to be sniffed, embedded by other
 * origins without CORS, sent over plain HTTP again, or stored by caches (tokens and personal data;
 * RFC 6749 requires `no-store` on token responses). Routes whose answers may be cached (JWKS,
 * file redirects, the documentation assets) set their own Cache-Control, which replaces this one.
 *
 * Helmet's default set is for HTML documents: its other headers (a CSP listing script and style
 * sources, COOP, Origin-Agent-Cluster, X-DNS-Prefetch-Control, X-Download-Options,
 * X-Permitted-Cross-Domain-Policies, X-XSS-Protection) guard nothing on a JSON response, yet
 * every header byte is paid on every response: on a bare Fastify server helmet's ~660 bytes took
 * 25% of the throughput of `GET /health`, this set ~17% (docs/benchmarks.md).
 */
export const API_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cross-origin-resource-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
});

/** The Content-Security-Policy of the documentation pages (Swagger UI loads only its own files). */
const HELMET_OPTIONS = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      styleSrc: ["'self'"],
      scriptSrc: ["'self'"],
    },
  },
} as const;

/**
 * Helmet's headers for HTML documents (the Swagger UI page and its assets), computed once. With
 * our options (no per-request CSP nonces) helmet's output never depends on the request, and
 * running its middleware per request cost ~12% of the CPU of a `GET /health`; setting one
 * precomputed object is nearly free.
 */
export function documentSecurityHeaders(): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(HELMET_OPTIONS)({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
  });
  return Object.freeze(headers);
}
