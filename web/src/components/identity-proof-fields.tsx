'use client';

import { useState } from 'react';
import { api } from '../lib/api-client';
import type { IdentityProof, Profile } from '../lib/api-types';
import { useAction } from '../lib/use-action';
import { Alert } from './alert';
import { Field } from './field';
import { SubmitButton } from './submit-button';

type Account = Pick<Profile, 'email' | 'hasPassword'>;

/** The proof a form with these fields carries: its `password`, or for an account without one, its `code`. */
export function identityProofFrom(form: FormData, account: Account): IdentityProof {
  return account.hasPassword
    ? { password: String(form.get('password') ?? '') }
    : { code: String(form.get('code') ?? '').trim() };
}

/**
 * "Confirm it is you" inside a form whose action the API guards with re-authentication: the
 * password, or for an account made by email code, a code this mails to the account's address.
 * Which one follows `account`, which the page keeps current (`useProfileUpdates`): when the account
 * got a password elsewhere, asking for a code is refused (ACCOUNT_HAS_PASSWORD), the page reads the
 * account again, and these fields turn into the password with that refusal above it.
 */
export function IdentityProofFields({
  account,
  why,
  fieldErrors,
}: {
  account: Account;
  /** Why the form asks, e.g. "A key keeps working after you sign out". */
  why: string;
  fieldErrors?: Readonly<Record<string, string>>;
}) {
  const send = useAction();
  const [sent, setSent] = useState(false);
  const sendError = send.error && <Alert kind="error">{send.error.message}</Alert>;

  if (account.hasPassword) {
    return (
      <>
        {sendError}
        <Field
          label="Your password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          maxLength={128}
          hint={`${why}, so this asks for your password.`}
          error={fieldErrors?.password}
        />
      </>
    );
  }
  return (
    <>
      {sendError}
      {sent && <Alert kind="success">We emailed a code to {account.email}.</Alert>}
      <Field
        label="Code from your email"
        name="code"
        inputMode="numeric"
        pattern="\d{6}"
        autoComplete="one-time-code"
        required
        maxLength={6}
        hint={`${why}, so this asks for a code we email you (your account has no password).`}
        error={fieldErrors?.code}
      />
      <div className="actions">
        <SubmitButton
          type="button"
          variant="secondary"
          pending={send.pending}
          pendingLabel="Sending…"
          onClick={async () => setSent(await send.run(() => api.requestConfirmationCode()))}
        >
          Email me a code
        </SubmitButton>
      </div>
    </>
  );
}
