'use client';

import Link from 'next/link';
import { Loading } from '../components/loading';
import { useSession } from '../lib/session';

export function Welcome() {
  const session = useSession();
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
