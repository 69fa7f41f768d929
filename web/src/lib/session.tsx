'use client';

import { createContext, type ReactNode, useContext, useEffect, useState } from 'react';
import { api } from './api-client';
import type { AuthUser } from './api-types';
import { toActionError } from './use-action';

export type SessionState =
  | { status: 'loading' }
  | { status: 'signed-in'; user: AuthUser }
  /**
   * A session from an earlier visit that could not be restored yet: the API did not answer the
   * page load's refresh (`message` says why). The client keeps retrying; this becomes signed-in
   * (or signed-out, if the API refuses the session) once it answers.
   */
  | { status: 'reconnecting'; message: string }
  /** `endedBy`: the error code when the session ended on its own (revoked elsewhere, expired). */
  | { status: 'signed-out'; endedBy?: string };

const SessionContext = createContext<SessionState>({ status: 'loading' });

/**
 * Where a tab says its session changed (signed in, out, or as someone else), so the browser's
 * other windows recheck at once. Visibility and focus events miss a window that stays in view
 * beside the one signing out: it showed the account's pages until its next request or refresh, up
 * to ~14 minutes (found in review, 2026-12-07). The message carries nothing: each tab reads the
 * cookie itself (`ApiClient.recheck`), so no token or identity passes between tabs.
 */
const SESSION_CHANNEL = 'cloudnest-session';

/** Restores the session from the refresh cookie on load and follows the API client's changes. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });

  useEffect(() => {
    // Absent from some embedded browsers: there the focus and visibility checks below remain.
    const channel =
      typeof BroadcastChannel === 'function' ? new BroadcastChannel(SESSION_CHANNEL) : undefined;
    let sessionUserId = api.user?.id;
    const unsubscribe = api.subscribe((user, endedBy) => {
      setState(user ? { status: 'signed-in', user } : { status: 'signed-out', endedBy });
      // Profile edits tell the listeners too; only a change of whose session this is is news.
      if (user?.id === sessionUserId) return;
      sessionUserId = user?.id;
      channel?.postMessage('changed');
    });
    api.restore().then(
      (user) =>
        setState((previous) => {
          if (user) return { status: 'signed-in', user };
          return previous.status === 'loading' ? { status: 'signed-out' } : previous;
        }),
      // No answer is no verdict: looking signed out would send people to sign in again for nothing.
      (caught: unknown) =>
        setState((previous) =>
          previous.status === 'loading'
            ? { status: 'reconnecting', message: toActionError(caught).message }
            : previous,
        ),
    );
    // Another tab may have signed out or in while this one was out of sight (api.recheck).
    const recheck = () => {
      if (document.visibilityState === 'visible') api.recheck();
    };
    document.addEventListener('visibilitychange', recheck);
    window.addEventListener('focus', recheck);
    // A tab that saw its own session change tells the others; one in view rechecks at once.
    if (channel) channel.onmessage = recheck;
    return () => {
      channel?.close();
      unsubscribe();
      document.removeEventListener('visibilitychange', recheck);
      window.removeEventListener('focus', recheck);
    };
  }, []);

  return <SessionContext.Provider value={state}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  return useContext(SessionContext);
}
