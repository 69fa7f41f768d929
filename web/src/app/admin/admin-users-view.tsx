'use client';

import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { Alert } from '../../components/alert';
import { Field } from '../../components/field';
import { Loading } from '../../components/loading';
import { NextPageButton } from '../../components/next-page-button';
import { RequireAuth } from '../../components/require-auth';
import { SubmitButton } from '../../components/submit-button';
import { api } from '../../lib/api-client';
import type { AdminUser, AuthUser, Profile } from '../../lib/api-types';
import { useAction } from '../../lib/use-action';
import { useProfileUpdates } from '../../lib/use-profile-updates';
import { AdminUserRow } from './admin-user-row';

export function AdminUsersView() {
  return <RequireAuth>{(user) => <AdminUsers me={user} />}</RequireAuth>;
}

/** Accounts page by page (the API's keyset cursor), searched by the start of email or username. */
function AdminUsers({ me }: { me: AuthUser }) {
  const [query, setQuery] = useState('');
  const [users, setUsers] = useState<AdminUser[] | null>(null);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  // How the acting admin confirms granting admin: their password, or an emailed code.
  const [account, setAccount] = useState<Profile | null>(null);
  // Read again by the API client when the admin's proof is refused because their account changed.
  useProfileUpdates(setAccount);
  const load = useAction();
  const more = useAction();

  const search = useCallback(
    (text: string) =>
      load.run(async () => {
        const [page, profile] = await Promise.all([api.adminUsers(text, null), api.profile()]);
        // Set with the results, so the heading always names what the list shows.
        setQuery(text);
        setUsers(page.items);
        setNextCursor(page.nextCursor);
        setAccount(profile);
      }),
    [load.run],
  );

  useEffect(() => {
    void search('');
  }, [search]);

  function onSearch(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const text = String(new FormData(event.currentTarget).get('query') ?? '').trim();
    void search(text);
  }

  async function onMore() {
    await more.run(async () => {
      const page = await api.adminUsers(query, nextCursor);
      setUsers((current) => [...(current ?? []), ...page.items]);
      setNextCursor(page.nextCursor);
    });
  }

  const replace = (changed: AdminUser) =>
    setUsers((current) => current?.map((user) => (user.id === changed.id ? changed : user)) ?? null);

  /**
   * A row the API said is out of date (the account was deleted or changed since the list was
   * read): read again, found by its address (the search matches its start; the id picks the row
   * among longer addresses). Not found, it was erased or its address changed: the list is read
   * again from the start, as the search it shows.
   */
  const reread = async (stale: AdminUser) => {
    const found = await api
      .adminUsers(stale.email, null)
      .then((page) => page.items.find((user) => user.id === stale.id))
      .catch(() => undefined);
    if (found) replace(found);
    else await search(query);
  };

  if (load.error?.code === 'FORBIDDEN') {
    return (
      <>
        <h1>Users</h1>
        <Alert kind="error">Only administrators can see this page.</Alert>
      </>
    );
  }
  return (
    <>
      <h1>Users</h1>
      <p>
        Every account, newest first. Changing an account&apos;s role or disabling it signs it out on every
        device.
      </p>
      <search className="card">
        <form method="post" onSubmit={onSearch}>
          <Field
            label="Search"
            name="query"
            type="search"
            maxLength={320}
            autoComplete="off"
            hint="The start of an email address or username."
            error={load.error?.fieldErrors.query}
          />
          <div className="actions">
            <SubmitButton pending={load.pending} pendingLabel="Searching…" variant="secondary">
              Search
            </SubmitButton>
          </div>
        </form>
      </search>
      <section className="card" aria-labelledby="accounts-heading" aria-busy={load.pending}>
        <h2 id="accounts-heading">{query ? `Accounts starting with “${query}”` : 'Accounts'}</h2>
        {load.error && <Alert kind="error">{load.error.message}</Alert>}
        {users === null || account === null ? (
          load.pending && <Loading label="Loading accounts…" />
        ) : users.length === 0 ? (
          <p className="empty">No account matches.</p>
        ) : (
          <ul className="list" aria-label="Accounts">
            {users.map((user) => (
              <AdminUserRow
                key={user.id}
                user={user}
                self={user.id === me.id}
                account={account}
                onChanged={replace}
                onStale={reread}
              />
            ))}
          </ul>
        )}
        <NextPageButton
          hasMore={nextCursor !== null}
          pending={more.pending}
          error={more.error}
          label="Load more"
          pendingLabel="Loading…"
          onLoad={onMore}
        />
      </section>
    </>
  );
}
