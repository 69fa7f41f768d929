import type { Metadata, Viewport } from 'next';
import type { ReactNode } from 'react';
import { SiteHeader } from '../components/site-header';
import { SessionProvider } from '../lib/session';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'CloudNest', template: '%s · CloudNest' },
  description: 'Your CloudNest account: sign in, profile, sessions and API keys.',
};

export const viewport: Viewport = { width: 'device-width', initialScale: 1 };

export default function RootLayout({ children }: { children: ReactNode }) {
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
