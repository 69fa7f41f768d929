'use client';

import { type FormEvent, useState } from 'react';
import { Alert } from '../../components/alert';
import { Field, NewPasswordField } from '../../components/field';
import { SubmitButton } from '../../components/submit-button';
import { api } from '../../lib/api-client';
import { useAction } from '../../lib/use-action';

export function ChangePasswordForm() {
  const { run, pending, error } = useAction();
  const [changed, setChanged] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    setChanged(false);
    const ok = await run(() =>
      api.changePassword(String(form.get('currentPassword')), String(form.get('newPassword'))),
    );
    if (ok) {
      formElement.reset();
      setChanged(true);
    }
  }

  return (
    <form method="post" onSubmit={onSubmit}>
      {error && <Alert kind="error">{error.message}</Alert>}
      {changed && <Alert kind="success">Password changed. Your other devices were signed out.</Alert>}
      <Field
        label="Current password"
        name="currentPassword"
        type="password"
        autoComplete="current-password"
        required
        maxLength={128}
        error={error?.fieldErrors.currentPassword}
      />
      <NewPasswordField
        name="newPassword"
        hint="Other devices will be signed out."
        error={error?.fieldErrors.newPassword}
      />
      <div className="actions">
        <SubmitButton pending={pending} pendingLabel="Changing…" variant="secondary">
          Change password
        </SubmitButton>
      </div>
    </form>
  );
}
