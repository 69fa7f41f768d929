'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useRef, useState } from 'react';
import { Alert } from '../../components/alert';
import { Loading } from '../../components/loading';
import { RequireAuth } from '../../components/require-auth';
import { SubmitButton } from '../../components/submit-button';
import { api } from '../../lib/api-client';
import type { Session } from '../../lib/api-types';
import { describeDevice, describeSignInMethod, formatDate } from '../../lib/format';
import { useAction } from '../../lib/use-action';

export function SessionsView() {
  return <RequireAuth>{() => <SessionList />}</RequireAuth>;
}

function SessionList() {
  const router = useRouter();
  const [sessions, setSessions] = useState<Session[] | null>(null);
  const load = useAction();
  const revoke = useAction();
  const everywhere = useAction();
  const [revokingId, setRevokingId] = useState<string | null>(null);
  const [confirmAll, setConfirmAll] = useState(false);
  // The pressed button gives way to its confirmation and back: keyboard focus follows it, rather
  // than falling to the top of the page (found in review, 2026-12-07).
  const confirmAllButton = useRef<HTMLButtonElement>(null);
  const startButton = useRef<HTMLButtonElement>(null);
  const confirmedBefore = useRef(false);
  useEffect(() => {
    if (confirmAll) confirmAllButton.current?.focus();
    else if (confirmedBefore.current) startButton.current?.focus();
    confirmedBefore.current = confirmAll;
  }, [confirmAll]);
  const [notice, setNotice] = useState<string | null>(null);

  const refresh = useCallback(() => load.run(async () => setSessions(await api.sessions())), [load.run]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  async function onRevoke(session: Session) {
    setRevokingId(session.id);
    setNotice(null);
    const ok = await revoke.run(() => api.revokeSession(session.id));
    setRevokingId(null);
    if (ok) {
      setSessions((current) => current?.filter((s) => s.id !== session.id) ?? null);
      setNotice(`Signed out ${describeDevice(session.userAgent)}.`);
    }
  }

  async function onSignOutEverywhere() {
    if (await everywhere.run(() => api.signOutEverywhere())) router.push('/sign-in');
  }

  const error = load.error ?? revoke.error ?? everywhere.error;
  return (
    <>
      <h1>Sessions</h1>
      <p>
        Devices and browsers signed in to your account. Sign out any you do not recognise. Past sign-ins and
        failed attempts are in your <Link href="/activity">security activity</Link>.
      </p>
      {error && <Alert kind="error">{error.message}</Alert>}
      {notice && <Alert kind="success">{notice}</Alert>}
      <section className="card" aria-labelledby="sessions-heading" aria-busy={load.pending}>
        <h2 id="sessions-heading">Signed-in devices</h2>
        {sessions === null ? (
          load.pending && <Loading label="Loading sessions…" />
        ) : sessions.length === 0 ? (
          <p className="empty">No active sessions.</p>
        ) : (
          <ul className="list" aria-label="Sessions">
            {sessions.map((session) => (
              <li key={session.id} data-session-id={session.id}>
                <div>
                  <strong>{describeDevice(session.userAgent)}</strong>
                  {session.current && <span className="badge">This device</span>}
                  <p className="meta">
                    {session.ip ?? 'unknown address'} · signed in {formatDate(session.createdAt)}
                    {describeSignInMethod(session.signInMethod)} · last active{' '}
                    {formatDate(session.lastUsedAt)}
                  </p>
                </div>
                {!session.current && (
                  <SubmitButton
                    type="button"
                    variant="danger"
                    pending={revokingId === session.id}
                    pendingLabel="Signing out…"
                    aria-label={`Sign out ${describeDevice(session.userAgent)}, signed in ${formatDate(session.createdAt)}`}
                    onClick={() => onRevoke(session)}
                  >
                    Sign out
                  </SubmitButton>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="card" aria-labelledby="everywhere-heading">
        <h2 id="everywhere-heading">Sign out everywhere</h2>
        <p>Ends every session, including this one. API keys keep working.</p>
        {confirmAll ? (
          <div className="actions">
            <SubmitButton
              ref={confirmAllButton}
              type="button"
              variant="danger"
              pending={everywhere.pending}
              pendingLabel="Signing out everywhere…"
              onClick={onSignOutEverywhere}
            >
              Yes, sign out everywhere
            </SubmitButton>
            <button type="button" className="button button-secondary" onClick={() => setConfirmAll(false)}>
              Cancel
            </button>
          </div>
        ) : (
          <button
            ref={startButton}
            type="button"
            className="button button-danger"
            onClick={() => setConfirmAll(true)}
          >
            Sign out everywhere
          </button>
        )}
      </section>
    </>
  );
}
