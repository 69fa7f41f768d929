'use client';

import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { Alert } from '../../../components/alert';
import { EmailField, Field } from '../../../components/field';
import { SubmitButton } from '../../../components/submit-button';
import { TwoStepForm } from '../../../components/two-step-form';
import { api } from '../../../lib/api-client';
import type { MfaChallenge } from '../../../lib/api-types';
import { messageFor, WRONG_SIGN_IN_CODE } from '../../../lib/error-messages';
import { safeNext } from '../../../lib/navigation';
import { useAction } from '../../../lib/use-action';

/** Seed 003's "Continue": an email address, then the 6-digit code we mail to it. */
export function EmailCodeForm() {
  const router = useRouter();
  const params = useSearchParams();
  const next = safeNext(params.get('next'));
  const [email, setEmail] = useState<string | null>(null);
  const [resent, setResent] = useState(false);
  const [challenge, setChallenge] = useState<MfaChallenge | null>(null);
  // Why the second step sent this back to the start (its challenge expired), until the next attempt.
  const [restartedBy, setRestartedBy] = useState<string | undefined>();
  const start = useAction();
  const verify = useAction();
  const codeInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (email) codeInput.current?.focus();
  }, [email]);

  async function onContinue(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const address = String(new FormData(event.currentTarget).get('email')).trim();
    setRestartedBy(undefined);
    await start.run(async () => {
      await api.startEmailCode(address);
      setEmail(address);
    });
  }

  async function onVerify(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const code = String(new FormData(event.currentTarget).get('code')).replace(/\s/g, '');
    if (!email) return;
    await verify.run(async () => {
      const result = await api.verifyEmailCode(email, code);
      if (result.status === 'mfa_required') setChallenge(result);
      else router.push(next);
    });
  }

  async function resend() {
    setResent(false);
    if (email && (await start.run(() => api.startEmailCode(email)))) setResent(true);
  }

  if (challenge) {
    return (
      <TwoStepForm
        challenge={challenge}
        onSignedIn={() => router.push(next)}
        onRestart={(endedBy) => {
          // The emailed code is spent: the first step is a new code, so back to the email address.
          setRestartedBy(endedBy);
          setChallenge(null);
          setResent(false);
          setEmail(null);
        }}
      />
    );
  }

  if (!email) {
    return (
      <section className="card narrow">
        <h1>Sign in with an email code</h1>
        <p>We will email you a 6-digit code. No password needed.</p>
        {restartedBy && !start.error && <Alert kind="error">{messageFor(restartedBy)}</Alert>}
        {start.error && <Alert kind="error">{start.error.message}</Alert>}
        <form method="post" onSubmit={onContinue}>
          <EmailField error={start.error?.fieldErrors.email} />
          <SubmitButton pending={start.pending} pendingLabel="Sending a code…">
            Continue
          </SubmitButton>
        </form>
        <p className="divider">
          <Link href="/sign-in">Sign in with a password instead</Link>
        </p>
      </section>
    );
  }

  return (
    <section className="card narrow">
      <h1>Enter your code</h1>
      <Alert kind="info" focus={false}>
        If <strong>{email}</strong> has an account, we sent it a 6-digit code. It is valid for 10 minutes.
      </Alert>
      {resent && <Alert kind="success">We sent a new code; the previous one no longer works.</Alert>}
      {verify.error && (
        <Alert kind="error">
          {verify.error.code === 'INVALID_CODE' ? WRONG_SIGN_IN_CODE : verify.error.message}
        </Alert>
      )}
      {start.error && <Alert kind="error">{start.error.message}</Alert>}
      <form method="post" onSubmit={onVerify}>
        <Field
          ref={codeInput}
          label="6-digit code"
          name="code"
          className="code-input"
          inputMode="numeric"
          autoComplete="one-time-code"
          pattern="\s*(\d\s*){6}"
          maxLength={11}
          required
          error={verify.error?.fieldErrors.code}
        />
        <SubmitButton pending={verify.pending} pendingLabel="Signing in…">
          Sign in
        </SubmitButton>
      </form>
      <div className="actions divider">
        <button type="button" className="link-button" onClick={resend} disabled={start.pending}>
          {start.pending ? 'Sending…' : 'Send a new code'}
        </button>
        <button
          type="button"
          className="link-button"
          onClick={() => {
            setResent(false);
            setEmail(null);
          }}
        >
          Use a different email
        </button>
      </div>
    </section>
  );
}
