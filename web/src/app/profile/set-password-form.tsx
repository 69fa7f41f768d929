'use client';

import type { FormEvent } from 'react';
import { Alert } from '../../components/alert';
import { NewPasswordField } from '../../components/field';
import { IdentityProofFields } from '../../components/identity-proof-fields';
import { SubmitButton } from '../../components/submit-button';
import { api } from '../../lib/api-client';
import type { Profile } from '../../lib/api-types';
import { useAction } from '../../lib/use-action';

/**
 * A first password for an account made by email code, confirmed with an emailed code (it has no
 * other proof). Unlike a reset, it keeps every session; the profile then offers "Change password".
 */
export function SetPasswordForm({
  account,
  onSet,
}: {
  account: Pick<Profile, 'email' | 'hasPassword'>;
  onSet: () => void;
}) {
  const { run, pending, error } = useAction();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const code = String(form.get('code') ?? '').trim();
    if (await run(() => api.setPassword(code, String(form.get('newPassword'))))) onSet();
  }

  return (
    <form method="post" onSubmit={onSubmit}>
      {error && <Alert kind="error">{error.message}</Alert>}
      <p className="hint">
        Your account has no password: you sign in with emailed codes. Set one to sign in with it as well.
      </p>
      <IdentityProofFields
        account={account}
        why="A password lets anyone who knows it sign in"
        fieldErrors={error?.fieldErrors}
      />
      <NewPasswordField name="newPassword" error={error?.fieldErrors.newPassword} />
      <div className="actions">
        <SubmitButton pending={pending} pendingLabel="Saving…" variant="secondary">
          Set password
        </SubmitButton>
      </div>
    </form>
  );
}
