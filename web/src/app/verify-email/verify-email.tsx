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
import { useAction } from '../../lib/use-action';
import { confirmationEnd } from './confirmation-end';

/**
 * The page the verification email links to: `/verify-email?token=…`. Confirming takes a click
 * rather than happening on load, so mail scanners that open links cannot spend the token.
 */
export function VerifyEmail() {
  const token = useSearchParams().get('token');
  const router = useRouter();
  const confirm = useAction();
  const resend = useAction();
  const [confirmed, setConfirmed] = useState(false);
  const [challenge, setChallenge] = useState<MfaChallenge | null>(null);
  const [sentTo, setSentTo] = useState<string | null>(null);

  async function onConfirm() {
    if (!token) return;
    await confirm.run(async () => {
      const result = await api.confirmEmail(token);
      if (result.status === 'mfa_required') setChallenge(result);
      else setConfirmed(true);
    });
  }

  async function onResend(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const email = String(new FormData(event.currentTarget).get('email')).trim();
    await resend.run(async () => {
      await api.requestVerification(email);
      setSentTo(email);
    });
  }

  if (confirmed) {
    return (
      <section className="card narrow">
        <h1>Email confirmed</h1>
        <Alert kind="success">Thank you — your email address is confirmed and you are signed in.</Alert>
        <Link className="button button-primary" href="/profile">
          Go to your profile
        </Link>
      </section>
    );
  }

  if (challenge) {
    return (
      <TwoStepForm
        challenge={challenge}
        notice={
          <Alert kind="success" focus={false}>
            Your email address is confirmed. One more step signs you in.
          </Alert>
        }
        onSignedIn={() => setConfirmed(true)}
        // The link is spent (the address is confirmed), so signing in again starts at the sign-in page.
        onRestart={(endedBy) =>
          router.push(endedBy ? `/sign-in?reason=${encodeURIComponent(endedBy)}` : '/sign-in')
        }
      />
    );
  }

  const linkFailed = !token || confirm.error?.code === 'INVALID_OR_EXPIRED_TOKEN';
  // Refusals no click can turn around (a spent sign-up, a disabled account): the button goes and
  // the page says what to do instead.
  const ended = confirmationEnd(confirm.error?.code);
  return (
    <section className="card narrow">
      <h1>Confirm your email</h1>
      {ended ? (
        <>
          <Alert kind="error">{ended.message}</Alert>
          {ended.next && (
            <Link className="button button-primary" href={ended.next.href}>
              {ended.next.label}
            </Link>
          )}
        </>
      ) : (
        confirm.error && <Alert kind="error">{confirm.error.message}</Alert>
      )}
      {token && !linkFailed && !ended && (
        <>
          <p>Confirm that this email address is yours.</p>
          <SubmitButton
            type="button"
            pending={confirm.pending}
            pendingLabel="Confirming…"
            onClick={onConfirm}
          >
            Confirm my email
          </SubmitButton>
        </>
      )}
      {linkFailed && (
        <>
          <p>
            Signing up? Your account is created only when you open its link. If the link expired or got lost,{' '}
            <Link href="/sign-up">sign up again</Link>: a new link cannot be sent for a sign-up.
          </p>
          <h2>Send a new link</h2>
          <p className="hint">For an account that exists but whose address is not confirmed yet.</p>
          {sentTo ? (
            <Alert kind="success">
              If <strong>{sentTo}</strong> has an unconfirmed account, we sent it a new link.
            </Alert>
          ) : (
            <>
              {resend.error && <Alert kind="error">{resend.error.message}</Alert>}
              <form onSubmit={onResend}>
                <Field
                  label="Email"
                  name="email"
                  type="email"
                  autoComplete="email"
                  required
                  error={resend.error?.fieldErrors.email}
                />
                <SubmitButton pending={resend.pending} pendingLabel="Sending…">
                  Send confirmation link
                </SubmitButton>
              </form>
            </>
          )}
        </>
      )}
    </section>
  );
}
