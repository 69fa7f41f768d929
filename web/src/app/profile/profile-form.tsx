'use client';

import { type FormEvent, useState } from 'react';
import { Alert } from '../../components/alert';
import { Field } from '../../components/field';
import { SubmitButton } from '../../components/submit-button';
import { api } from '../../lib/api-client';
import type { Profile } from '../../lib/api-types';
import { useAction } from '../../lib/use-action';

export function ProfileForm({ profile, onSaved }: { profile: Profile; onSaved: (profile: Profile) => void }) {
  const { run, pending, error } = useAction();
  const [saved, setSaved] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const displayName = String(form.get('displayName')).trim();
    const bio = String(form.get('bio')).trim();
    setSaved(false);
    await run(async () => {
      onSaved(
        await api.updateProfile({
          displayName: displayName || null,
          bio: bio || null,
          username: String(form.get('username')).trim(),
        }),
      );
      setSaved(true);
    });
  }

  return (
    <form method="post" onSubmit={onSubmit}>
      {error && <Alert kind="error">{error.message}</Alert>}
      {saved && !pending && <Alert kind="success">Your profile was saved.</Alert>}
      <Field
        label="Display name"
        name="displayName"
        defaultValue={profile.displayName ?? ''}
        maxLength={100}
        autoComplete="name"
        hint="Shown instead of your username."
        error={error?.fieldErrors.displayName}
      />
      <Field
        label="Username"
        name="username"
        defaultValue={profile.username}
        required
        minLength={3}
        maxLength={32}
        pattern="[a-zA-Z0-9_.\-]{3,32}"
        autoComplete="username"
        error={error?.fieldErrors.username}
      />
      <Field
        label="Bio"
        name="bio"
        multiline
        defaultValue={profile.bio ?? ''}
        maxLength={500}
        hint="Up to 500 characters."
        error={error?.fieldErrors.bio}
      />
      <div className="actions">
        <SubmitButton pending={pending} pendingLabel="Saving…">
          Save profile
        </SubmitButton>
      </div>
    </form>
  );
}
