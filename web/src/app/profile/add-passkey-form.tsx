'use client';

import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/browser';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { Alert } from '../../components/alert';
import { Field } from '../../components/field';
import { IdentityProofFields, identityProofFrom } from '../../components/identity-proof-fields';
import { SubmitButton } from '../../components/submit-button';
import { api } from '../../lib/api-client';
import type { Passkey, Profile } from '../../lib/api-types';
import { createPasskey, isPromptCancelled, PasskeyPromptError } from '../../lib/passkeys';
import { useAction } from '../../lib/use-action';

/** Options the API handed out whose browser prompt gave no passkey yet: a retry needs no new proof. */
interface Waiting {
  options: PublicKeyCredentialCreationOptionsJSON;
  name?: string;
}

/**
 * Adding a passkey: an optional name and the proof that it is you (a passkey signs in on its own),
 * then the browser's prompt creates it and the API stores it. Closing the prompt keeps the API's
 * options (good for 5 minutes), so "Try again" does not ask for the password or a new code; once
 * the API has seen an answer they are spent, and a new attempt starts from the form.
 */
export function AddPasskeyForm({
  account,
  onAdded,
  onCancel,
}: {
  account: Pick<Profile, 'email' | 'hasPassword'>;
  onAdded: (passkey: Passkey) => void;
  onCancel: () => void;
}) {
  const { run, pending, error } = useAction();
  const [waiting, setWaiting] = useState<Waiting | null>(null);
  // Kept across the prompt, so starting again from the form does not ask for the name twice.
  const [name, setName] = useState('');
  const nameInput = useRef<HTMLInputElement>(null);
  const retry = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    nameInput.current?.focus();
  }, []);

  // Back from a closed prompt, "Try again" takes focus; an error takes it itself (Alert).
  const blocked = error !== null && !isPromptCancelled(error.code);
  useEffect(() => {
    if (waiting && !pending && !blocked) retry.current?.focus();
  }, [waiting, pending, blocked]);

  /** The browser's prompt, then the API; a prompt that gave nothing leaves the options for a retry. */
  async function create(next: Waiting) {
    let response: Awaited<ReturnType<typeof createPasskey>>;
    try {
      response = await createPasskey(next.options);
    } catch (caught) {
      if (caught instanceof PasskeyPromptError) setWaiting(next);
      throw caught;
    }
    // The API spends the options on any answer: from here a new attempt starts from the form.
    setWaiting(null);
    onAdded(await api.addPasskey(response, next.name));
  }

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const entered = String(form.get('name') ?? '').trim();
    setName(entered);
    await run(async () => {
      const { options } = await api.passkeyCreationOptions(identityProofFrom(form, account));
      await create({ options, name: entered || undefined });
    });
  }

  const message = error && (
    <Alert kind={isPromptCancelled(error.code) ? 'info' : 'error'}>{error.message}</Alert>
  );

  if (waiting) {
    return (
      <div>
        {message}
        <div className="actions">
          <SubmitButton
            type="button"
            pending={pending}
            pendingLabel="Waiting for your passkey…"
            onClick={() => run(() => create(waiting))}
            ref={retry}
          >
            Try again
          </SubmitButton>
          <button type="button" className="button button-secondary" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </div>
    );
  }

  return (
    <form method="post" onSubmit={onSubmit} aria-label="Add a passkey">
      {message}
      <p className="hint">
        Your browser then asks where to save it (this device, your phone, a password manager or a security
        key) and to unlock it with your fingerprint, face or screen lock.
      </p>
      <Field
        ref={nameInput}
        label="Name (optional)"
        name="name"
        autoComplete="off"
        maxLength={64}
        defaultValue={name}
        hint="To tell your passkeys apart, e.g. “Work laptop”."
        error={error?.fieldErrors.name}
      />
      <IdentityProofFields
        account={account}
        why="A passkey signs you in on its own"
        fieldErrors={error?.fieldErrors}
      />
      <div className="actions">
        <SubmitButton pending={pending} pendingLabel="Creating your passkey…">
          Create passkey
        </SubmitButton>
        <button type="button" className="button button-secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
