'use client';

import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { type FormEvent, useState } from 'react';
import { Alert } from '../../components/alert';
import { Field } from '../../components/field';
import { SubmitButton } from '../../components/submit-button';
import { TwoStepForm } from '../../components/two-step-form';
import { api } from '../../lib/api-client';
import type { MfaChallenge } from '../../lib/api-types';
import { messageFor, NOT_CONFIRMED_YET_HINT } from '../../lib/error-messages';
import { safeNext } from '../../lib/navigation';
import { useSession } from '../../lib/session';
import { useAction } from '../../lib/use-action';
import { PasskeySignIn } from './passkey-sign-in';

export function SignInForm() {
  const router = useRouter();
  const params = useSearchParams();
  const session = useSession();
  const { run, pending, error } = useAction();
  const [challenge, setChallenge] = useState<MfaChallenge | null>(null);
  // Kept so that coming back from the second step does not ask for the email or username again.
  const [identifier, setIdentifier] = useState('');
  // Why the second step sent this back here (its challenge expired), shown until the next attempt.
  const [restartedBy, setRestartedBy] = useState<string | undefined>();
  const next = safeNext(params.get('next'));
  // Why the previous session ended (revoked on another device, expired), when it did on its own.
  const reason = params.get('reason') ?? (session.status === 'signed-out' ? session.endedBy : undefined);
  const notice = params.get('notice');

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const entered = String(form.get('identifier')).trim();
    const password = String(form.get('password'));
    setIdentifier(entered);
    setRestartedBy(undefined);
    await run(async () => {
      const result = await api.login(
        entered.includes('@') ? { email: entered, password } : { username: entered, password },
      );
      if (result.status === 'mfa_required') setChallenge(result);
      else router.push(next);
    });
  }

  if (challenge) {
    return (
      <TwoStepForm
        challenge={challenge}
        onSignedIn={() => router.push(next)}
        onRestart={(endedBy) => {
          setRestartedBy(endedBy);
          setChallenge(null);
        }}
      />
    );
  }

  return (
    <section className="card narrow">
      <h1>Sign in</h1>
      {notice === 'password-reset' && (
        <Alert kind="success">Your password was changed. Sign in with the new one.</Alert>
      )}
      {reason && !error && !restartedBy && <Alert kind="info">{messageFor(reason)}</Alert>}
      {restartedBy && !error && <Alert kind="error">{messageFor(restartedBy)}</Alert>}
      {session.status === 'signed-in' && (
        <Alert kind="info">
          You are signed in as <strong>{session.user.username}</strong>.{' '}
          <Link href="/profile">Go to your profile</Link>
        </Alert>
      )}
      {error && (
        <Alert kind="error">
          {error.message}
          {error.code === 'INVALID_CREDENTIALS' && <p className="alert-hint">{NOT_CONFIRMED_YET_HINT}</p>}
          {/* Signing in mails no link, and the link may be long gone (found in review, 2026-12-07). */}
          {error.code === 'EMAIL_NOT_VERIFIED' && (
            <p className="alert-hint">
              No link, or it expired? <Link href="/verify-email">Send a new one</Link>.
            </p>
          )}
        </Alert>
      )}
      <form method="post" onSubmit={onSubmit}>
        <Field
          label="Email or username"
          name="identifier"
          // "webauthn" (last): where the browser can, the suggestions include the site's passkeys
          // (PasskeySignIn waits for a pick).
          autoComplete="username webauthn"
          required
          maxLength={320}
          defaultValue={identifier}
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
      <PasskeySignIn onSignedIn={() => router.push(next)} />
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
