'use client';

import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import type { FormEvent } from 'react';
import { Alert } from '../../components/alert';
import { Field } from '../../components/field';
import { SubmitButton } from '../../components/submit-button';
import { api } from '../../lib/api-client';
import { messageFor } from '../../lib/error-messages';
import { safeNext } from '../../lib/navigation';
import { useSession } from '../../lib/session';
import { useAction } from '../../lib/use-action';

export function SignInForm() {
  const router = useRouter();
  const params = useSearchParams();
  const session = useSession();
  const { run, pending, error } = useAction();
  const next = safeNext(params.get('next'));
  // Why the previous session ended (revoked on another device, expired), when it did on its own.
  const reason = params.get('reason') ?? (session.status === 'signed-out' ? session.endedBy : undefined);
  const notice = params.get('notice');

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const identifier = String(form.get('identifier')).trim();
    const password = String(form.get('password'));
    await run(async () => {
      await api.login(
        identifier.includes('@') ? { email: identifier, password } : { username: identifier, password },
      );
      router.push(next);
    });
  }

  return (
    <section className="card narrow">
      <h1>Sign in</h1>
      {notice === 'password-reset' && (
        <Alert kind="success">Your password was changed. Sign in with the new one.</Alert>
      )}
      {reason && !error && <Alert kind="info">{messageFor(reason)}</Alert>}
      {session.status === 'signed-in' && (
        <Alert kind="info">
          You are signed in as <strong>{session.user.username}</strong>.{' '}
          <Link href="/profile">Go to your profile</Link>
        </Alert>
      )}
      {error && <Alert kind="error">{error.message}</Alert>}
      <form onSubmit={onSubmit}>
        <Field
          label="Email or username"
          name="identifier"
          autoComplete="username"
          required
          maxLength={320}
          error={error?.fieldErrors.email ?? error?.fieldErrors.username}
        />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          maxLength={128}
          error={error?.fieldErrors.password}
        />
        <SubmitButton pending={pending} pendingLabel="Signing in…">
          Sign in
        </SubmitButton>
      </form>
      <p className="divider">
        <Link href={`/sign-in/code${next === '/profile' ? '' : `?next=${encodeURIComponent(next)}`}`}>
          Email me a sign-in code instead
        </Link>
      </p>
      <p className="divider">
        <Link href="/forgot-password">Forgot your password?</Link> ·{' '}
        <Link href="/sign-up">Create an account</Link>
      </p>
    </section>
  );
}
