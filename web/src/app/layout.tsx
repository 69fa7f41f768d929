import type { Metadata, Viewport } from 'next';
import { connection } from 'next/server';
import type { ReactNode } from 'react';
import { SiteHeader } from '../components/site-header';
import { SessionProvider } from '../lib/session';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'CloudNest', template: '%s · CloudNest' },
  description: 'Your CloudNest account: sign in, profile, sessions and API keys.',
};

export const viewport: Viewport = { width: 'device-width', initialScale: 1 };

/**
 * Every page is rendered per request (`connection()`), so that Next can put the nonce of the
 * request's Content-Security-Policy (`proxy.ts`) on its scripts. The pages are thin, with no data of
 * their own, so rendering one is cheap.
 */
export default async function RootLayout({ children }: { children: ReactNode }) {
  await connection();
  return (
    <html lang="en">
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <SessionProvider>
          <SiteHeader />
          <main id="main" tabIndex={-1}>
            {children}
          </main>
        </SessionProvider>
      </body>
    </html>
  );
}
