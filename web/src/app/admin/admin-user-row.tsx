'use client';

import { type FormEvent, useState } from 'react';
import { Alert } from '../../components/alert';
import { IdentityProofFields, identityProofFrom } from '../../components/identity-proof-fields';
import { SubmitButton } from '../../components/submit-button';
import { api } from '../../lib/api-client';
import type { AdminUser, AdminUserChange, Profile } from '../../lib/api-types';
import { formatDate } from '../../lib/format';
import { useAction } from '../../lib/use-action';

/**
 * One account with what an administrator can do to it. Taking access away (removing admin,
 * disabling) is one click; granting admin opens a form asking for the acting admin's password or
 * an emailed code, as the API requires. An admin's own row has no actions (the API refuses them).
 */
export function AdminUserRow({
  user,
  self,
  account,
  onChanged,
}: {
  user: AdminUser;
  self: boolean;
  account: Pick<Profile, 'email' | 'hasPassword'>;
  onChanged: (user: AdminUser) => void;
}) {
  const change = useAction();
  const [granting, setGranting] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  async function apply(update: AdminUserChange, done: string) {
    setNotice(null);
    const ok = await change.run(async () => onChanged(await api.updateUserAsAdmin(user.id, update)));
    if (ok) {
      setGranting(false);
      setNotice(done);
    }
  }

  function onGrant(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const proof = identityProofFrom(new FormData(event.currentTarget), account);
    void apply({ role: 'admin', ...proof }, `${user.username} is now an admin (signed out to pick it up).`);
  }

  const name = user.displayName ?? user.username;
  return (
    <li data-user-id={user.id}>
      <div>
        <strong>{name}</strong>
        {user.role === 'admin' && <span className="badge">Admin</span>}
        {user.disabledAt && <span className="badge">Disabled</span>}
        {!user.emailVerified && <span className="badge">Unconfirmed email</span>}
        {user.mfaEnabled && <span className="badge">Two-step sign-in</span>}
        {self && <span className="badge">You</span>}
        <p className="meta">
          {user.email} · @{user.username} · joined {formatDate(user.createdAt)}
        </p>
        {change.error && <Alert kind="error">{change.error.message}</Alert>}
        {notice && <Alert kind="success">{notice}</Alert>}
        {granting && (
          <form onSubmit={onGrant} aria-label={`Make ${user.username} an admin`}>
            <IdentityProofFields
              account={account}
              why="An admin can manage every account"
              fieldErrors={change.error?.fieldErrors}
            />
            <div className="actions">
              <SubmitButton pending={change.pending} pendingLabel="Saving…">
                Confirm: make admin
              </SubmitButton>
              <button type="button" className="button button-secondary" onClick={() => setGranting(false)}>
                Cancel
              </button>
            </div>
          </form>
        )}
      </div>
      {!self && !granting && (
        <div className="actions">
          {user.role === 'admin' ? (
            <SubmitButton
              type="button"
              variant="secondary"
              pending={change.pending}
              pendingLabel="Saving…"
              aria-label={`Remove admin from ${user.username}`}
              onClick={() => apply({ role: 'user' }, `${user.username} is no longer an admin.`)}
            >
              Remove admin
            </SubmitButton>
          ) : (
            <button
              type="button"
              className="button button-secondary"
              aria-label={`Make ${user.username} an admin`}
              onClick={() => {
                setNotice(null);
                setGranting(true);
              }}
            >
              Make admin
            </button>
          )}
          <SubmitButton
            type="button"
            variant={user.disabledAt ? 'secondary' : 'danger'}
            pending={change.pending}
            pendingLabel="Saving…"
            aria-label={`${user.disabledAt ? 'Enable' : 'Disable'} ${user.username}`}
            onClick={() =>
              user.disabledAt
                ? apply({ disabled: false }, `${user.username} can sign in again.`)
                : apply({ disabled: true }, `${user.username} is disabled and signed out everywhere.`)
            }
          >
            {user.disabledAt ? 'Enable' : 'Disable'}
          </SubmitButton>
        </div>
      )}
    </li>
  );
}
