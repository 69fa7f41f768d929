'use client';

import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { useState } from 'react';
import { api } from '../lib/api-client';
import { useSession } from '../lib/session';
import { toActionError } from '../lib/use-action';
import { Alert } from './alert';

const signedInLinks = [
  { href: '/profile', label: 'Profile' },
  { href: '/sessions', label: 'Sessions' },
  { href: '/activity', label: 'Activity' },
  { href: '/api-keys', label: 'API keys' },
] as const;
// Shown to admins only; the API checks the role on every request either way.
const adminLink = { href: '/admin', label: 'Users' } as const;

export function SiteHeader() {
  const session = useSession();
  const pathname = usePathname();
  const router = useRouter();
  const [signingOut, setSigningOut] = useState(false);
  // Why the last sign-out did not go through: the session may still be alive on the server, so
  // the page says so and offers to try again rather than looking signed out. Shown only while the
  // client still has that sign-out outstanding: once the session ends or a new one begins (in
  // this tab or adopted from another), the message would be about a session that is gone.
  const [signOutError, setSignOutError] = useState<string | null>(null);

  async function signOut() {
    setSigningOut(true);
    setSignOutError(null);
    try {
      await api.signOut();
      router.push('/sign-in');
    } catch (caught) {
      setSignOutError(toActionError(caught).message);
    } finally {
      setSigningOut(false);
    }
  }

  return (
    <header className="site-header">
      <Link href="/" className="brand">
        CloudNest
      </Link>
      <nav aria-label="Main">
        <ul>
          {session.status === 'signed-in' ? (
            <>
              {[...signedInLinks, ...(session.user.role === 'admin' ? [adminLink] : [])].map((link) => (
                <li key={link.href}>
                  <Link href={link.href} aria-current={pathname === link.href ? 'page' : undefined}>
                    {link.label}
                  </Link>
                </li>
              ))}
              <li>
                <button type="button" className="link-button" onClick={signOut} disabled={signingOut}>
                  {signingOut ? 'Signing out…' : 'Sign out'}
                </button>
              </li>
            </>
          ) : session.status === 'signed-out' ? (
            <>
              <li>
                <Link href="/sign-in" aria-current={pathname === '/sign-in' ? 'page' : undefined}>
                  Sign in
                </Link>
              </li>
              <li>
                <Link href="/sign-up" aria-current={pathname === '/sign-up' ? 'page' : undefined}>
                  Sign up
                </Link>
              </li>
            </>
          ) : null}
        </ul>
      </nav>
      {signOutError && session.status === 'signed-in' && api.signOutPending && (
        <div className="sign-out-failed">
          <Alert kind="error">
            {signOutError}{' '}
            <button type="button" className="link-button" onClick={signOut} disabled={signingOut}>
              {signingOut ? 'Signing out…' : 'Try signing out again'}
            </button>
          </Alert>
        </div>
      )}
    </header>
  );
}
