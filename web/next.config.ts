import type { NextConfig } from 'next';

/**
 * Where `/api/*` goes when Next serves it itself (`next dev`, or `next start` without a load
 * balancer in front). Behind the ALB, `/api/*` never reaches Next: the listener rule sends it to
 * the API target group. Rewrites are compiled into the build, so set API_ORIGIN before `next build`.
 */
const apiOrigin = (process.env.API_ORIGIN ?? 'http://127.0.0.1:3001').replace(/\/$/, '');

const nextConfig: NextConfig = {
  // NEXT_OUTPUT=standalone (npm run build:ec2): a self-contained server.js with only the traced
  // dependencies, for the EC2 instances (no SWC binary, no dev dependencies, any CPU architecture).
  output: process.env.NEXT_OUTPUT === 'standalone' ? 'standalone' : undefined,
  // No next/image: avatars come from S3 or the API's storage; keep sharp out of the standalone build.
  images: { unoptimized: true },
  outputFileTracingExcludes: { '*': ['../node_modules/sharp/**', '../node_modules/@img/**'] },
  reactStrictMode: true,
  poweredByHeader: false,
  // The monorepo root holds the lockfile; without this Next guesses and warns.
  outputFileTracingRoot: new URL('..', import.meta.url).pathname,
  turbopack: { root: new URL('..', import.meta.url).pathname },
  async rewrites() {
    return [{ source: '/api/:path*', destination: `${apiOrigin}/api/:path*` }];
  },
  async headers() {
    return [
      {
        source: '/:path*',
        // The Content-Security-Policy is set per request, with a nonce, in src/proxy.ts.
        headers: [
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          { key: 'Referrer-Policy', value: 'same-origin' },
          { key: 'X-Frame-Options', value: 'DENY' },
          // As the API sends it: a visitor who only ever loaded pages (no API call yet) otherwise
          // got no HSTS, and a later http:// link could be intercepted before the 80 → 443
          // redirect (found in review, 2026-12-08). Browsers ignore it over plain HTTP (dev).
          { key: 'Strict-Transport-Security', value: 'max-age=31536000; includeSubDomains' },
        ],
      },
    ];
  },
};

export default nextConfig;
