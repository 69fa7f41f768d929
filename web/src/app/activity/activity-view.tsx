'use client';

import Link from 'next/link';
import { useCallback, useEffect, useState } from 'react';
import { Alert } from '../../components/alert';
import { Loading } from '../../components/loading';
import { RequireAuth } from '../../components/require-auth';
import { SubmitButton } from '../../components/submit-button';
import { api } from '../../lib/api-client';
import type { SecurityEvent, SecurityEventType } from '../../lib/api-types';
import { describeDevice, describeSecurityEvent, formatDate } from '../../lib/format';
import { useAction } from '../../lib/use-action';

export function ActivityView() {
  return <RequireAuth>{() => <SecurityActivity />}</RequireAuth>;
}

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

/** The account's security activity, newest first, a page at a time (the API's keyset cursor). */
function SecurityActivity() {
  const [events, setEvents] = useState<SecurityEvent[] | null>(null);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  // Where the entries "Show older" appended begin: focus goes there, as the button itself may be gone.
  const [firstOlderIndex, setFirstOlderIndex] = useState<number | null>(null);
  const load = useAction();
  const more = useAction();
  const focusOnAttach = useCallback((entry: HTMLLIElement | null) => entry?.focus(), []);

  useEffect(() => {
    void load.run(async () => {
      const page = await api.securityActivity();
      setEvents(page.items);
      setNextCursor(page.nextCursor);
    });
  }, [load.run]);

  async function onShowOlder() {
    if (!nextCursor) return;
    await more.run(async () => {
      const page = await api.securityActivity(nextCursor);
      setFirstOlderIndex(events?.length ?? 0);
      setEvents((current) => [...(current ?? []), ...page.items]);
      setNextCursor(page.nextCursor);
    });
  }

  return (
    <>
      <h1>Security activity</h1>
      <p>
        Sign-ins, failed attempts and changes to how your account signs in, newest first. If something here
        was not you, <Link href="/profile">change your password</Link> and{' '}
        <Link href="/sessions">sign out everywhere</Link>.
      </p>
      {load.error && <Alert kind="error">{load.error.message}</Alert>}
      <section className="card" aria-labelledby="activity-heading" aria-busy={load.pending || more.pending}>
        <h2 id="activity-heading">Recent activity</h2>
        {events === null ? (
          load.pending && <Loading label="Loading your activity…" />
        ) : events.length === 0 ? (
          <p className="empty">No activity yet.</p>
        ) : (
          <ol className="list" aria-label="Security activity">
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
        {more.error && <Alert kind="error">{more.error.message}</Alert>}
        {nextCursor && (
          <div className="actions">
            <SubmitButton
              type="button"
              variant="secondary"
              pending={more.pending}
              pendingLabel="Loading older activity…"
              onClick={onShowOlder}
            >
              Show older
            </SubmitButton>
          </div>
        )}
      </section>
    </>
  );
}
