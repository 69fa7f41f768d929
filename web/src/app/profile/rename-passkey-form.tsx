'use client';

import { type FormEvent, type KeyboardEvent, useEffect, useRef } from 'react';
import { Alert } from '../../components/alert';
import { Field } from '../../components/field';
import { SubmitButton } from '../../components/submit-button';
import { api } from '../../lib/api-client';
import type { Passkey } from '../../lib/api-types';
import { useAction } from '../../lib/use-action';

/**
 * A passkey's row while it is renamed: its name, selected so typing replaces it. Escape or "Cancel"
 * leaves without saving. The API trims the name and checks it as it checks a new passkey's; its
 * objections show on the field.
 */
export function RenamePasskeyForm({
  passkey,
  onRenamed,
  onClose,
}: {
  passkey: Passkey;
  onRenamed: (passkey: Passkey) => void;
  onClose: () => void;
}) {
  const { run, pending, error } = useAction();
  const nameInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    nameInput.current?.focus();
    nameInput.current?.select();
  }, []);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const name = String(new FormData(event.currentTarget).get('name') ?? '');
    const ok = await run(async () => onRenamed(await api.renamePasskey(passkey.id, name)));
    if (ok) onClose();
  }

  // A rename in flight lands either way: the form stays until it does, to show how it ended.
  function onKeyDown(event: KeyboardEvent<HTMLFormElement>) {
    if (event.key !== 'Escape' || pending) return;
    event.preventDefault();
    onClose();
  }

  return (
    <form
      method="post"
      onSubmit={onSubmit}
      onKeyDown={onKeyDown}
      aria-label={`Rename passkey ${passkey.name}`}
    >
      {error && <Alert kind="error">{error.message}</Alert>}
      <Field
        ref={nameInput}
        label="Name"
        name="name"
        autoComplete="off"
        required
        maxLength={64}
        defaultValue={passkey.name}
        error={error?.fieldErrors.name}
      />
      <div className="actions">
        <SubmitButton pending={pending} pendingLabel="Saving…">
          Save
        </SubmitButton>
        <button type="button" className="button button-secondary" disabled={pending} onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}
