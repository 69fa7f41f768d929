'use client';

import { usePathname, useRouter } from 'next/navigation';
import { type ReactNode, useEffect } from 'react';
import type { AuthUser } from '../lib/api-types';
import { useSession } from '../lib/session';
import { Loading } from './loading';
import { SessionReconnecting } from './session-reconnecting';

/** Renders its children for a signed-in user; otherwise sends the visitor to sign in and back. */
export function RequireAuth({ children }: { children: (user: AuthUser) => ReactNode }) {
  const session = useSession();
  const router = useRouter();
  const pathname = usePathname();

  useEffect(() => {
    if (session.status !== 'signed-out') return;
    const query = new URLSearchParams({ next: pathname });
    if (session.endedBy) query.set('reason', session.endedBy);
    router.replace(`/sign-in?${query}`);
  }, [session, router, pathname]);

  if (session.status === 'reconnecting') return <SessionReconnecting message={session.message} />;
  if (session.status !== 'signed-in') return <Loading label="Checking your session…" />;
  return <>{children(session.user)}</>;
}
