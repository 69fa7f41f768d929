'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import type { FormEvent } from 'react';
import { Alert } from '../../components/alert';
import { NewPasswordField } from '../../components/field';
import { SubmitButton } from '../../components/submit-button';
import { api } from '../../lib/api-client';
import { useLinkToken } from '../../lib/link-token';
import { useAction } from '../../lib/use-action';

/** The page the reset email links to: `/reset-password#token=…` (`useLinkToken`). */
export function ResetPasswordForm() {
  const token = useLinkToken();
  const router = useRouter();
  const { run, pending, error, setError } = useAction();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const password = String(form.get('password'));
    if (password !== String(form.get('confirm'))) {
      setError({
        code: 'PASSWORDS_DIFFER',
        message: 'The two passwords differ.',
        fieldErrors: { confirm: 'Type the same password twice.' },
      });
      return;
    }
    if (!token) return;
    // Resetting signs out every session, so the next step is a fresh sign-in.
    if (await run(() => api.resetPassword(token, password))) router.push('/sign-in?notice=password-reset');
  }

  // Not read yet: the fragment exists only in the browser.
  if (token === undefined) return null;
  if (!token) {
    return (
      <section className="card narrow">
        <h1>Choose a new password</h1>
        <Alert kind="error">
          This page needs the link from your reset email.{' '}
          <Link href="/forgot-password">Ask for a new link</Link>.
        </Alert>
      </section>
    );
  }

  return (
    <section className="card narrow">
      <h1>Choose a new password</h1>
      {error && (
        <Alert kind="error">
          {error.message}
          {error.code === 'INVALID_OR_EXPIRED_TOKEN' && (
            <>
              {' '}
              <Link href="/forgot-password">Ask for a new link</Link>.
            </>
          )}
        </Alert>
      )}
      <form method="post" onSubmit={onSubmit}>
        <NewPasswordField
          hint="At least 8 characters; common passwords are refused. Every device will be signed out."
          error={error?.fieldErrors.password}
        />
        <NewPasswordField label="Repeat the new password" name="confirm" error={error?.fieldErrors.confirm} />
        <SubmitButton pending={pending} pendingLabel="Saving…">
          Set new password
        </SubmitButton>
      </form>
    </section>
  );
}
