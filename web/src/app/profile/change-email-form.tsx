'use client';

import { type FormEvent, useState } from 'react';
import { Alert } from '../../components/alert';
import { EmailField } from '../../components/field';
import { IdentityProofFields, identityProofFrom } from '../../components/identity-proof-fields';
import { SubmitButton } from '../../components/submit-button';
import { api } from '../../lib/api-client';
import type { Profile } from '../../lib/api-types';
import { useAction } from '../../lib/use-action';

/** Asks for a new sign-in address; it changes when the link mailed there is opened. */
export function ChangeEmailForm({ account }: { account: Pick<Profile, 'email' | 'hasPassword'> }) {
  const { run, pending, error } = useAction();
  const [sentTo, setSentTo] = useState<string | null>(null);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const email = String(form.get('email')).trim();
    setSentTo(null);
    if (await run(() => api.requestEmailChange(email, identityProofFrom(form, account)))) {
      formElement.reset();
      setSentTo(email);
    }
  }

  return (
    <form method="post" onSubmit={onSubmit}>
      {error && <Alert kind="error">{error.message}</Alert>}
      {sentTo && (
        <Alert kind="success">
          We sent a link to <strong>{sentTo}</strong>. Your address changes when you open it.
        </Alert>
      )}
      <p className="meta">You sign in with {account.email}.</p>
      <EmailField label="New email" error={error?.fieldErrors.email} />
      <IdentityProofFields
        account={account}
        why="Password resets go to this address"
        fieldErrors={error?.fieldErrors}
      />
      <div className="actions">
        <SubmitButton pending={pending} pendingLabel="Sending…" variant="secondary">
          Change email address
        </SubmitButton>
      </div>
    </form>
  );
}
