'use client';

import { createContext, type ReactNode, useContext, useEffect, useState } from 'react';
import { api } from './api-client';
import type { AuthUser } from './api-types';

export type SessionState =
  | { status: 'loading' }
  | { status: 'signed-in'; user: AuthUser }
  /** `endedBy`: the error code when the session ended on its own (revoked elsewhere, expired). */
  | { status: 'signed-out'; endedBy?: string };

const SessionContext = createContext<SessionState>({ status: 'loading' });

/** Restores the session from the refresh cookie on load and follows the API client's changes. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });

  useEffect(() => {
    const unsubscribe = api.subscribe((user, endedBy) =>
      setState(user ? { status: 'signed-in', user } : { status: 'signed-out', endedBy }),
    );
    void api.restore().then((user) =>
      setState((previous) => {
        if (user) return { status: 'signed-in', user };
        return previous.status === 'loading' ? { status: 'signed-out' } : previous;
      }),
    );
    return unsubscribe;
  }, []);

  return <SessionContext.Provider value={state}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  return useContext(SessionContext);
}
