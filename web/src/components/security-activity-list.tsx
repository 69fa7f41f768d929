'use client';

import { useCallback, useEffect, useState } from 'react';
import type { SecurityActivityPage, SecurityEvent, SecurityEventType } from '../lib/api-types';
import { describeDevice, describeSecurityEvent, formatDate } from '../lib/format';
import { useAction } from '../lib/use-action';
import { Alert } from './alert';
import { Loading } from './loading';
import { NextPageButton } from './next-page-button';

// Someone guessed at the account, or the API acted on its own to protect it.
const WARNING_EVENTS: ReadonlySet<SecurityEventType> = new Set([
  'sign_in_failed',
  'account_locked',
  'refresh_token_reused',
]);

/** Entries that deserve a second look stand out: warnings, and what an administrator changed. */
function emphasisOf(event: SecurityEvent): string | undefined {
  if (event.byAdmin) return 'event-admin';
  return WARNING_EVENTS.has(event.type) ? 'event-warning' : undefined;
}

interface SecurityActivityListProps {
  /**
   * A page of the activity, newest first: the first without `cursor`, each next one with the
   * previous page's `nextCursor`. Keep it stable (module scope or `useCallback`): a new function
   * starts the list over.
   */
  load: (cursor?: string) => Promise<SecurityActivityPage>;
  /** The list's accessible name. */
  label: string;
  loadingLabel: string;
}

/**
 * An account's security activity, newest first, a page at a time (the API's keyset cursor), from
 * when it is first shown. The owner's /activity page and an administrator's look at an account
 * share it, so both word and emphasise the same entries alike.
 */
export function SecurityActivityList({ load, label, loadingLabel }: SecurityActivityListProps) {
  const [events, setEvents] = useState<SecurityEvent[] | null>(null);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  // Where the entries "Show older" appended begin: focus goes there, as the button itself may be gone.
  const [firstOlderIndex, setFirstOlderIndex] = useState<number | null>(null);
  const firstPage = useAction();
  const olderPage = useAction();
  const focusOnAttach = useCallback((entry: HTMLLIElement | null) => entry?.focus(), []);

  useEffect(() => {
    void firstPage.run(async () => {
      const page = await load();
      setEvents(page.items);
      setNextCursor(page.nextCursor);
      setFirstOlderIndex(null);
    });
  }, [firstPage.run, load]);

  async function onShowOlder() {
    if (!nextCursor) return;
    await olderPage.run(async () => {
      const page = await load(nextCursor);
      setFirstOlderIndex(events?.length ?? 0);
      setEvents((current) => [...(current ?? []), ...page.items]);
      setNextCursor(page.nextCursor);
    });
  }

  return (
    <div aria-busy={firstPage.pending || olderPage.pending}>
      {firstPage.error && <Alert kind="error">{firstPage.error.message}</Alert>}
      {events === null ? (
        firstPage.pending && <Loading label={loadingLabel} />
      ) : events.length === 0 ? (
        <p className="empty">No activity yet.</p>
      ) : (
        <ol className="list" aria-label={label}>
          {events.map((event, index) => {
            const firstOlder = index === firstOlderIndex;
            return (
              <li
                key={event.id}
                className={emphasisOf(event)}
                ref={firstOlder ? focusOnAttach : undefined}
                tabIndex={firstOlder ? -1 : undefined}
              >
                <div>
                  <strong>{describeSecurityEvent(event)}</strong>
                  <p className="meta">
                    <time dateTime={event.createdAt}>{formatDate(event.createdAt)}</time>
                    {(event.ip !== null || event.userAgent !== null) &&
                      ` · ${describeDevice(event.userAgent)} · ${event.ip ?? 'unknown address'}`}
                  </p>
                </div>
              </li>
            );
          })}
        </ol>
      )}
      <NextPageButton
        hasMore={nextCursor !== null}
        pending={olderPage.pending}
        error={olderPage.error}
        label="Show older"
        pendingLabel="Loading older activity…"
        onLoad={onShowOlder}
      />
    </div>
  );
}
