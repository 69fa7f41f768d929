'use client';

import { useEffect, useRef, useState } from 'react';

/** Where a page opened from a mailed link found its token, and its address without it. */
export interface LinkToken {
  readonly token: string | null;
  /** The same path and query without the token (and without the fragment that carried it). */
  readonly cleanUrl: string;
}

/**
 * Reads the token of a mailed link. The API writes it in the fragment (`/reset-password#token=…`),
 * which browsers never send to a server, so no access log, proxy or load balancer on the way
 * records a usable reset, verification or address-change token (the front-end ALB logs whole
 * request URLs; found in review, 2026-12-07). Links mailed before that carry `?token=`, still read.
 */
export function linkTokenFrom(location: { pathname: string; search: string; hash: string }): LinkToken {
  const fromFragment = new URLSearchParams(location.hash.replace(/^#/, '')).get('token');
  const query = new URLSearchParams(location.search);
  const fromQuery = query.get('token');
  query.delete('token');
  const rest = query.toString();
  return {
    token: fromFragment || fromQuery || null,
    cleanUrl: `${location.pathname}${rest ? `?${rest}` : ''}`,
  };
}

/**
 * The current page's link token: undefined until read (the fragment exists only in the browser,
 * after hydration), then the token or null. Once read it leaves the address bar and the history
 * entry, so it is neither shown over a shoulder nor offered again by the back button.
 */
export function useLinkToken(): string | null | undefined {
  const [token, setToken] = useState<string | null | undefined>(undefined);
  // Kept across React's development double-run of effects: the second run would find it cleared.
  const read = useRef<string | null | undefined>(undefined);
  useEffect(() => {
    if (read.current === undefined) {
      const found = linkTokenFrom(window.location);
      read.current = found.token;
      if (found.token !== null) window.history.replaceState(window.history.state, '', found.cleanUrl);
    }
    setToken(read.current);
  }, []);
  return token;
}
