'use client';

import Link from 'next/link';
import { type FormEvent, useState } from 'react';
import { Alert } from '../../components/alert';
import { EmailField } from '../../components/field';
import { SubmitButton } from '../../components/submit-button';
import { api } from '../../lib/api-client';
import { useAction } from '../../lib/use-action';

export function ForgotPasswordForm() {
  const { run, pending, error } = useAction();
  const [sentTo, setSentTo] = useState<string | null>(null);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const email = String(new FormData(event.currentTarget).get('email')).trim();
    await run(async () => {
      await api.forgotPassword(email);
      setSentTo(email);
    });
  }

  return (
    <section className="card narrow">
      <h1>Reset your password</h1>
      {sentTo ? (
        <Alert kind="success">
          If <strong>{sentTo}</strong> has an account, we sent it a link to choose a new password. The link
          works once and expires soon.
        </Alert>
      ) : (
        <>
          <p>Enter your account's email and we will send you a link to choose a new password.</p>
          {error && <Alert kind="error">{error.message}</Alert>}
          <form method="post" onSubmit={onSubmit}>
            <EmailField error={error?.fieldErrors.email} />
            <SubmitButton pending={pending} pendingLabel="Sending…">
              Send reset link
            </SubmitButton>
          </form>
        </>
      )}
      <p className="divider">
        <Link href="/sign-in">Back to sign in</Link>
      </p>
    </section>
  );
}
