'use client';

import type { FormEvent } from 'react';
import { Alert } from '../../components/alert';
import { IdentityProofFields, identityProofFrom } from '../../components/identity-proof-fields';
import { SubmitButton } from '../../components/submit-button';
import { api } from '../../lib/api-client';
import type { Profile } from '../../lib/api-types';
import { useAction } from '../../lib/use-action';

/**
 * Deletes the account after re-authentication and a tick in a box. The API signs every session
 * out; the client then forgets this one, so the page moves on to sign-in and says why.
 */
export function DeleteAccountForm({ account }: { account: Pick<Profile, 'email' | 'hasPassword'> }) {
  const { run, pending, error } = useAction();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    await run(() => api.deleteAccount(identityProofFrom(form, account)));
  }

  return (
    <form method="post" onSubmit={onSubmit}>
      {error && <Alert kind="error">{error.message}</Alert>}
      <p className="hint">
        Signs you out on every device. Your profile disappears at once; your data and files are erased after
        30 days.
      </p>
      <IdentityProofFields
        account={account}
        why="Deleting the account signs you out everywhere"
        fieldErrors={error?.fieldErrors}
      />
      <label className="checkbox">
        <input type="checkbox" name="understood" required /> I understand that this deletes my account
      </label>
      <div className="actions">
        <SubmitButton pending={pending} pendingLabel="Deleting…" variant="danger">
          Delete my account
        </SubmitButton>
      </div>
    </form>
  );
}
