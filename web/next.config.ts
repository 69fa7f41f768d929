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
        headers: [
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          { key: 'Referrer-Policy', value: 'same-origin' },
          { key: 'X-Frame-Options', value: 'DENY' },
          // The part of a Content-Security-Policy that cannot break the pages (found missing in review,
          // 2026-12-07): no framing, no plugins, no <base> that would re-point relative URLs. Scripts
          // are not restricted yet: Next renders inline scripts, which need per-request nonces
          // (middleware) before `script-src` can leave out 'unsafe-inline' (docs/web.md, "Headers").
          {
            key: 'Content-Security-Policy',
            value: "frame-ancestors 'none'; object-src 'none'; base-uri 'none'",
          },
        ],
      },
    ];
  },
};

export default nextConfig;
