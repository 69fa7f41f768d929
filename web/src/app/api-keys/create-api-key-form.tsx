'use client';

import type { FormEvent } from 'react';
import { Alert } from '../../components/alert';
import { Field } from '../../components/field';
import { IdentityProofFields, identityProofFrom } from '../../components/identity-proof-fields';
import { SubmitButton } from '../../components/submit-button';
import { api } from '../../lib/api-client';
import type { CreatedApiKey, Profile } from '../../lib/api-types';
import { useAction } from '../../lib/use-action';

export function CreateApiKeyForm({
  account,
  onCreated,
}: {
  account: Pick<Profile, 'email' | 'hasPassword'>;
  onCreated: (key: CreatedApiKey) => void;
}) {
  const { run, pending, error } = useAction();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const scopes = String(form.get('scopes'))
      .split(/[\s,]+/)
      .filter(Boolean);
    const ok = await run(async () =>
      onCreated(
        await api.createApiKey(String(form.get('name')).trim(), scopes, identityProofFrom(form, account)),
      ),
    );
    if (ok) formElement.reset();
  }

  const scopeError = Object.entries(error?.fieldErrors ?? {}).find(([field]) =>
    field.startsWith('scopes'),
  )?.[1];
  return (
    <form method="post" onSubmit={onSubmit}>
      {error && <Alert kind="error">{error.message}</Alert>}
      <Field
        label="Name"
        name="name"
        required
        maxLength={100}
        hint="What uses this key, e.g. “backup script”."
        error={error?.fieldErrors.name}
      />
      <Field
        label="Scopes (optional)"
        name="scopes"
        hint="Any of users:read, files:read, files:write, separated by commas or spaces."
        autoComplete="off"
        error={scopeError}
      />
      <IdentityProofFields
        account={account}
        why="A key keeps working after you sign out"
        fieldErrors={error?.fieldErrors}
      />
      <div className="actions">
        <SubmitButton pending={pending} pendingLabel="Creating…">
          Create key
        </SubmitButton>
      </div>
    </form>
  );
}
