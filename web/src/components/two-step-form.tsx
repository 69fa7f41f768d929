'use client';

import { type FormEvent, type ReactNode, useEffect, useRef, useState } from 'react';
import { ApiError, api } from '../lib/api-client';
import type { AuthUser, MfaChallenge, SecondStepProof } from '../lib/api-types';
import { SECOND_STEP_ENDED_CODES, WRONG_SECOND_STEP_CODE } from '../lib/error-messages';
import { useAction } from '../lib/use-action';
import { Alert } from './alert';
import { Field } from './field';
import { SubmitButton } from './submit-button';

type Method = keyof typeof WRONG_SECOND_STEP_CODE;

/**
 * The second step of every sign-in (password, emailed code, email confirmation) for an account
 * with two-step sign-in on: the authenticator app's current code, or one of the recovery codes.
 */
export function TwoStepForm({
  challenge,
  onSignedIn,
  onRestart,
  notice,
}: {
  /** The sign-in route's 202 answer. */
  challenge: MfaChallenge;
  /** Signed in: carry on as after a sign-in without the second step. */
  onSignedIn: (user: AuthUser) => void;
  /**
   * Back to the first step: the person chose to, or (`endedBy`, one of SECOND_STEP_ENDED_CODES)
   * the challenge can no longer succeed, so only a new sign-in helps.
   */
  onRestart: (endedBy?: string) => void;
  /** Shown above the form, e.g. what the first step already did. */
  notice?: ReactNode;
}) {
  const [method, setMethod] = useState<Method>('authenticator');
  const { run, pending, error, setError } = useAction();
  const input = useRef<HTMLInputElement>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: switching the method swaps the field, and the new one takes focus.
  useEffect(() => {
    input.current?.focus();
  }, [method]);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const proof: SecondStepProof =
      method === 'authenticator'
        ? { code: String(form.get('code') ?? '').replace(/\s/g, '') }
        : { recoveryCode: String(form.get('recoveryCode') ?? '').trim() };
    await run(async () => {
      try {
        onSignedIn(await api.verifySecondStep(challenge, proof));
      } catch (caught) {
        // Retrying cannot help: the challenge is gone, the account got locked or disabled, or it
        // changed meanwhile, so the first step has to run again.
        if (!(caught instanceof ApiError && SECOND_STEP_ENDED_CODES.has(caught.code))) throw caught;
        onRestart(caught.code);
      }
    });
  }

  function switchTo(next: Method) {
    setError(null);
    setMethod(next);
  }

  const message = error?.code === 'INVALID_CODE' ? WRONG_SECOND_STEP_CODE[method] : error?.message;
  return (
    <section className="card narrow">
      <h1>Two-step verification</h1>
      {notice}
      {method === 'authenticator' ? (
        <p>Your account has two-step sign-in on. Open your authenticator app and enter the code it shows.</p>
      ) : (
        <p>Enter one of the recovery codes you saved when you turned on two-step sign-in. Each works once.</p>
      )}
      {message && <Alert kind="error">{message}</Alert>}
      <form method="post" onSubmit={onSubmit}>
        {method === 'authenticator' ? (
          <Field
            key="authenticator"
            ref={input}
            label="6-digit code"
            name="code"
            className="code-input"
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="\s*(\d\s*){6}"
            maxLength={11}
            required
            error={error?.fieldErrors.code}
          />
        ) : (
          <Field
            key="recovery"
            ref={input}
            label="Recovery code"
            name="recoveryCode"
            className="code-input"
            autoComplete="off"
            autoCapitalize="none"
            spellCheck={false}
            maxLength={64}
            required
            hint="For example abcd-efgh-ijkl-mnop."
            error={error?.fieldErrors.recoveryCode}
          />
        )}
        <SubmitButton pending={pending} pendingLabel="Checking…">
          Verify
        </SubmitButton>
      </form>
      <div className="actions divider">
        {method === 'authenticator' ? (
          <button type="button" className="link-button" onClick={() => switchTo('recovery')}>
            Use a recovery code instead
          </button>
        ) : (
          <button type="button" className="link-button" onClick={() => switchTo('authenticator')}>
            Use your authenticator app instead
          </button>
        )}
        <button type="button" className="link-button" onClick={() => onRestart()}>
          Start over
        </button>
      </div>
    </section>
  );
}
