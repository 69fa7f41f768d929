'use client';

import { type FormEvent, useCallback, useEffect, useId, useRef, useState } from 'react';
import { Alert } from '../../components/alert';
import { IdentityProofFields, identityProofFrom } from '../../components/identity-proof-fields';
import { SecurityActivityList } from '../../components/security-activity-list';
import { SubmitButton } from '../../components/submit-button';
import { ApiError, api } from '../../lib/api-client';
import type { AdminUser, AdminUserChange, Profile } from '../../lib/api-types';
import { ADMIN_ROW_CHANGED } from '../../lib/error-messages';
import { formatDate } from '../../lib/format';
import { useAction } from '../../lib/use-action';

/** The changes that ask for the acting admin's password (or an emailed code) first. */
type Confirmed = 'grant-admin' | 'enable-admin' | 'two-step-off';

const CONFIRMED: Record<Confirmed, { label: (username: string) => string; why: string; submit: string }> = {
  'grant-admin': {
    label: (username) => `Make ${username} an admin`,
    why: 'An admin can manage every account',
    submit: 'Confirm: make admin',
  },
  // A disabled account that is still an admin comes back as one: the API asks as for granting it.
  'enable-admin': {
    label: (username) => `Enable ${username}, an admin`,
    why: 'This account comes back as an admin, who can manage every account',
    submit: 'Confirm: enable admin',
  },
  'two-step-off': {
    label: (username) => `Turn off two-step sign-in for ${username}`,
    why: 'Only do this for an owner who lost their authenticator app and recovery codes',
    submit: 'Confirm: turn off two-step sign-in',
  },
};

/**
 * Refusals meaning the row is not the account as it is now (deleted since, or now an admin whose
 * enabling needs the acting admin's proof; api/src/users/users.service.ts `adminUpdate`): the row
 * is read again. REAUTHENTICATION_REQUIRED may instead mean the admin's own account changed; the
 * API client then reads their profile again too (ACCOUNT_CHANGED_CODES).
 */
function rowChangedMessage(code: string): string | undefined {
  return Object.hasOwn(ADMIN_ROW_CHANGED, code)
    ? ADMIN_ROW_CHANGED[code as keyof typeof ADMIN_ROW_CHANGED]
    : undefined;
}

/**
 * The account's activity panel: never opened (nothing loaded yet), open, or closed again (hidden, so
 * reopening shows the pages already loaded without asking the API again).
 */
type ActivityPanel = 'unopened' | 'open' | 'closed';

/**
 * One account with what an administrator can do to it. Taking access away (removing admin,
 * disabling) is one click; granting admin, enabling a disabled admin, and turning off the account's
 * two-step sign-in (for an owner who lost the app and the codes), open a form asking for the acting admin's password or an
 * emailed code, as the API requires. An admin's own row has no changes (the API refuses them). Every
 * row, the admin's own included, can show the account's security activity.
 */
export function AdminUserRow({
  user,
  self,
  account,
  onChanged,
  onStale,
}: {
  user: AdminUser;
  self: boolean;
  account: Pick<Profile, 'email' | 'hasPassword'>;
  onChanged: (user: AdminUser) => void;
  /** Reads the account again after the API said the row is out of date. */
  onStale: (user: AdminUser) => Promise<void>;
}) {
  const change = useAction();
  const [confirming, setConfirming] = useState<Confirmed | null>(null);
  // The pressed button gives way to its form, and the form to the buttons again: keyboard focus
  // follows, to the form's first field and back to the row's "Activity" button (always there),
  // rather than falling to the top of the page (found in review, 2026-12-07).
  const confirmForm = useRef<HTMLFormElement>(null);
  const activityButton = useRef<HTMLButtonElement>(null);
  const confirmingBefore = useRef<Confirmed | null>(null);
  useEffect(() => {
    if (confirming) confirmForm.current?.querySelector<HTMLInputElement>('input')?.focus();
    else if (confirmingBefore.current) activityButton.current?.focus();
    confirmingBefore.current = confirming;
  }, [confirming]);
  const [notice, setNotice] = useState<string | null>(null);
  const [activityPanel, setActivityPanel] = useState<ActivityPanel>('unopened');
  const activityPanelId = useId();

  async function apply(update: AdminUserChange, done: string) {
    setNotice(null);
    const ok = await change.run(async () => {
      try {
        onChanged(await api.updateUserAsAdmin(user.id, update));
      } catch (caught) {
        if (caught instanceof ApiError && rowChangedMessage(caught.code)) {
          // A deleted account takes no change, so its form goes; an open form whose proof the
          // admin's account, read again, takes another way stays, with the right field.
          if (caught.code === 'USER_NOT_FOUND') setConfirming(null);
          await onStale(user);
        }
        throw caught;
      }
    });
    if (ok) {
      setConfirming(null);
      setNotice(done);
    }
  }

  function onConfirm(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const proof = identityProofFrom(new FormData(event.currentTarget), account);
    if (confirming === 'grant-admin')
      void apply({ role: 'admin', ...proof }, `${user.username} is now an admin (signed out to pick it up).`);
    if (confirming === 'enable-admin')
      void apply({ disabled: false, ...proof }, `${user.username} can sign in again, as an admin.`);
    if (confirming === 'two-step-off')
      void apply(
        { twoStepSignIn: 'off', ...proof },
        `Two-step sign-in is off for ${user.username}, who was signed out everywhere and mailed.`,
      );
  }

  function startConfirming(kind: Confirmed) {
    setNotice(null);
    setConfirming(kind);
  }

  const name = user.displayName ?? user.username;
  return (
    <li data-user-id={user.id}>
      <div>
        <strong>{name}</strong>
        {user.role === 'admin' && !user.deletedAt && <span className="badge">Admin</span>}
        {user.deletedAt && <span className="badge">Deleted</span>}
        {user.disabledAt && <span className="badge">Disabled</span>}
        {!user.emailVerified && <span className="badge">Unconfirmed email</span>}
        {user.mfaEnabled && <span className="badge">Two-step sign-in</span>}
        {self && <span className="badge">You</span>}
        <p className="meta">
          {user.email} · @{user.username} · joined {formatDate(user.createdAt)}
        </p>
        {change.error && (
          <Alert kind="error">{rowChangedMessage(change.error.code) ?? change.error.message}</Alert>
        )}
        {notice && <Alert kind="success">{notice}</Alert>}
        {confirming && (
          <form
            method="post"
            ref={confirmForm}
            onSubmit={onConfirm}
            aria-label={CONFIRMED[confirming].label(user.username)}
          >
            <IdentityProofFields
              account={account}
              why={CONFIRMED[confirming].why}
              fieldErrors={change.error?.fieldErrors}
            />
            <div className="actions">
              <SubmitButton pending={change.pending} pendingLabel="Saving…">
                {CONFIRMED[confirming].submit}
              </SubmitButton>
              <button type="button" className="button button-secondary" onClick={() => setConfirming(null)}>
                Cancel
              </button>
            </div>
          </form>
        )}
      </div>
      <div className="actions">
        <button
          type="button"
          className="button button-secondary"
          ref={activityButton}
          aria-label={`Activity of ${user.username}`}
          aria-expanded={activityPanel === 'open'}
          aria-controls={activityPanelId}
          onClick={() => setActivityPanel((panel) => (panel === 'open' ? 'closed' : 'open'))}
        >
          Activity
        </button>
        {/* A deleted account (erased 30 days after) takes no change: the API answers USER_NOT_FOUND. */}
        {!self && !confirming && !user.deletedAt && (
          <>
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
                onClick={() => startConfirming('grant-admin')}
              >
                Make admin
              </button>
            )}
            {user.mfaEnabled && (
              <button
                type="button"
                className="button button-secondary"
                aria-label={`Turn off two-step sign-in for ${user.username}`}
                onClick={() => startConfirming('two-step-off')}
              >
                Turn off two-step sign-in
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
                  ? user.role === 'admin'
                    ? startConfirming('enable-admin')
                    : apply({ disabled: false }, `${user.username} can sign in again.`)
                  : apply({ disabled: true }, `${user.username} is disabled and signed out everywhere.`)
              }
            >
              {user.disabledAt ? 'Enable' : 'Disable'}
            </SubmitButton>
          </>
        )}
      </div>
      <section
        id={activityPanelId}
        className="entry-panel"
        aria-labelledby={`${activityPanelId}-heading`}
        hidden={activityPanel !== 'open'}
      >
        <h3 id={`${activityPanelId}-heading`}>Security activity of {user.username}</h3>
        {activityPanel !== 'unopened' && <UserActivity user={user} />}
      </section>
    </li>
  );
}

/** What the account's owner sees on /activity, read through the admin route. */
function UserActivity({ user }: { user: AdminUser }) {
  const userId = user.id;
  // Stable while the row shows the same account (a change replaces `user`), so the list loads once.
  const load = useCallback((cursor?: string) => api.userActivityAsAdmin(userId, cursor), [userId]);
  return (
    <SecurityActivityList
      load={load}
      label={`Security activity of ${user.username}`}
      loadingLabel="Loading activity…"
    />
  );
}
