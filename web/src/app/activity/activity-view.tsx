'use client';

import Link from 'next/link';
import { RequireAuth } from '../../components/require-auth';
import { SecurityActivityList } from '../../components/security-activity-list';
import { api } from '../../lib/api-client';

export function ActivityView() {
  return <RequireAuth>{() => <SecurityActivity />}</RequireAuth>;
}

// One function for the page's lifetime: a new one would make the list load its first page again.
const loadOwnActivity = (cursor?: string) => api.securityActivity(cursor);

/** The account's own security activity, with what to do when something in it was not them. */
function SecurityActivity() {
  return (
    <>
      <h1>Security activity</h1>
      <p>
        Sign-ins, failed attempts and changes to how your account signs in, newest first. If something here
        was not you, <Link href="/profile">change your password</Link> and{' '}
        <Link href="/sessions">sign out everywhere</Link>.
      </p>
      <section className="card" aria-labelledby="activity-heading">
        <h2 id="activity-heading">Recent activity</h2>
        <SecurityActivityList
          load={loadOwnActivity}
          label="Security activity"
          loadingLabel="Loading your activity…"
        />
      </section>
    </>
  );
}
