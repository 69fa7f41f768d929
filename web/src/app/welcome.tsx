'use client';

import Link from 'next/link';
import { Alert } from '../components/alert';
import { Loading } from '../components/loading';
import { SessionReconnecting } from '../components/session-reconnecting';
import { messageFor } from '../lib/error-messages';
import { useSession } from '../lib/session';

export function Welcome() {
  const session = useSession();
  if (session.status === 'reconnecting') return <SessionReconnecting message={session.message} />;
  return (
    <section className="card">
      <h1>CloudNest</h1>
      <p>
        One account for your apps: sign in with a password or an emailed code, manage your profile, devices
        and API keys.
      </p>
      {session.status === 'loading' && <Loading />}
      {session.status === 'signed-in' && (
        <p className="actions">
          Signed in as <strong>{session.user.username}</strong>.
          <Link className="button button-primary" href="/profile">
            Go to your profile
          </Link>
        </p>
      )}
      {session.status === 'signed-out' && session.endedBy && (
        <Alert kind="info">{messageFor(session.endedBy)}</Alert>
      )}
      {session.status === 'signed-out' && (
        <div className="actions">
          <Link className="button button-primary" href="/sign-up">
            Create an account
          </Link>
          <Link className="button button-secondary" href="/sign-in">
            Sign in
          </Link>
        </div>
      )}
    </section>
  );
}
