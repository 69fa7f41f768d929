'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { Alert } from '../../components/alert';
import { Field } from '../../components/field';
import { SubmitButton } from '../../components/submit-button';
import { TwoStepForm } from '../../components/two-step-form';
import { ApiError, api } from '../../lib/api-client';
import type { MfaChallenge } from '../../lib/api-types';
import { useLinkToken } from '../../lib/link-token';
import { useAction } from '../../lib/use-action';
import { confirmationEnd } from './confirmation-end';
import { passwordRefusal } from './registration-password';

/**
 * The page the verification email links to: `/verify-email#token=…` (`useLinkToken`). Confirming takes a click
 * rather than happening on load, so mail scanners that open links cannot spend the token.
 * A sign-up's link also needs the password chosen at sign-up: the page asks for it once the API
 * says so (`passwordRefusal`), since it cannot tell a sign-up's link from an older account's.
 */
export function VerifyEmail() {
  const token = useLinkToken();
  const router = useRouter();
  const confirm = useAction();
  const resend = useAction();
  const [confirmed, setConfirmed] = useState(false);
  const [challenge, setChallenge] = useState<MfaChallenge | null>(null);
  const [sentTo, setSentTo] = useState<string | null>(null);
  /** The API asked for the sign-up's password: the field stays from then on. */
  const [askPassword, setAskPassword] = useState(false);
  const passwordInput = useRef<HTMLInputElement>(null);

  // The field appears after the first click: it takes focus (a wrong password later focuses its error).
  useEffect(() => {
    if (askPassword) passwordInput.current?.focus();
  }, [askPassword]);

  async function onConfirm(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!token) return;
    const password = askPassword
      ? String(new FormData(event.currentTarget).get('password') ?? '')
      : undefined;
    await confirm.run(async () => {
      try {
        const result = await api.confirmEmail(token, password);
        if (result.status === 'mfa_required') setChallenge(result);
        else setConfirmed(true);
      } catch (caught) {
        if (caught instanceof ApiError && passwordRefusal(caught.code)) setAskPassword(true);
        throw caught;
      }
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
        <Alert kind="success">Thank you — the email address is confirmed and you are signed in.</Alert>
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

  // Not read yet: the fragment exists only in the browser.
  if (token === undefined) return null;
  const linkFailed = !token || confirm.error?.code === 'INVALID_OR_EXPIRED_TOKEN';
  // Refusals no click can turn around (a spent sign-up, a disabled account): the button goes and
  // the page says what to do instead.
  const ended = confirmationEnd(confirm.error?.code);
  const aboutPassword = passwordRefusal(confirm.error?.code);
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
        confirm.error && (
          // Asking for the password is no error: the prompt is announced, and the field takes focus.
          <Alert kind={aboutPassword?.alert ?? 'error'} focus={aboutPassword?.alert !== 'info'}>
            {confirm.error.message}
          </Alert>
        )
      )}
      {token && !linkFailed && !ended && (
        <form method="post" onSubmit={onConfirm}>
          {!askPassword && <p>Confirm that this email address is yours.</p>}
          {askPassword && (
            <Field
              ref={passwordInput}
              label="The password you chose when signing up"
              name="password"
              type="password"
              autoComplete="current-password"
              required
              maxLength={128}
              // Right for a pending sign-up and for an older unconfirmed account alike (the API asks
              // both): the first is signed up again, the second reset or signed in to by code.
              hint="Forgot it? Sign up again, or, if the account exists, reset its password or sign in with an emailed code. Wrong passwords are limited."
            />
          )}
          <SubmitButton pending={confirm.pending} pendingLabel="Confirming…">
            Confirm my email
          </SubmitButton>
        </form>
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
              <form method="post" onSubmit={onResend}>
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
