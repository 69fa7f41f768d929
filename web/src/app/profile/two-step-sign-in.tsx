'use client';

import { useEffect, useRef, useState } from 'react';
import { Alert } from '../../components/alert';
import { ApiError, api } from '../../lib/api-client';
import type { AuthUser, IdentityProof, Profile, TotpSetup } from '../../lib/api-types';
import { WRONG_SECOND_STEP_CODE } from '../../lib/error-messages';
import { useAction } from '../../lib/use-action';
import { AuthenticatorSetup } from './authenticator-setup';
import { type IdentityCheck, IdentityCheckForm } from './identity-check-form';
import { RecoveryCodesNotice } from './recovery-codes-notice';

type Step =
  | { name: 'status' }
  | { name: 'identity'; check: IdentityCheck }
  | { name: 'scan'; setup: TotpSetup }
  | { name: 'recovery-codes'; codes: string[]; justTurnedOn: boolean };

/** Refusals that mean the account changed elsewhere; the API client then shows its real state. */
const STATE_CONFLICTS = new Set(['MFA_ALREADY_ENABLED', 'MFA_NOT_ENABLED']);

/**
 * Two-step sign-in with an authenticator app (TOTP). Off: confirm it is you, scan the QR code (or
 * type the key), confirm a code from the app, then see the recovery codes once. On: new recovery
 * codes, or turn it off, each after confirming it is you. On or off is the signed-in user's
 * `mfaEnabled`, which the API client updates after each change.
 */
export function TwoStepSignIn({
  user,
  account,
}: {
  user: AuthUser;
  account: Pick<Profile, 'email' | 'hasPassword'>;
}) {
  const [step, setStep] = useState<Step>({ name: 'status' });
  const [notice, setNotice] = useState<string | null>(null);
  const { run, pending, error, setError } = useAction();
  // A button gives way to a form and the form to the buttons: keyboard focus follows, into the
  // identity check's field and back to the first button, rather than to the top of the page
  // (found in review, 2026-12-07). The authenticator step and the codes' notice focus themselves.
  const container = useRef<HTMLDivElement>(null);
  const stepBefore = useRef(step.name);
  useEffect(() => {
    if (stepBefore.current === step.name) return;
    stepBefore.current = step.name;
    const target =
      step.name === 'identity' ? 'input' : step.name === 'status' ? '.actions button' : undefined;
    if (target) container.current?.querySelector<HTMLElement>(target)?.focus();
  }, [step.name]);

  function show(next: Step) {
    setError(null);
    setNotice(null);
    setStep(next);
  }

  async function perform(work: () => Promise<Step>, done?: string) {
    setNotice(null);
    await run(async () => {
      try {
        setStep(await work());
        setNotice(done ?? null);
      } catch (caught) {
        if (caught instanceof ApiError && STATE_CONFLICTS.has(caught.code)) setStep({ name: 'status' });
        throw caught;
      }
    });
  }

  function onIdentityConfirmed(check: IdentityCheck, proof: IdentityProof) {
    switch (check) {
      case 'turn-on':
        return perform(async () => ({ name: 'scan', setup: await api.startTotpSetup(proof) }));
      case 'new-recovery-codes':
        return perform(async () => ({
          name: 'recovery-codes',
          codes: await api.replaceRecoveryCodes(proof),
          justTurnedOn: false,
        }));
      case 'turn-off':
        return perform(async () => {
          await api.disableTotp(proof);
          return { name: 'status' };
        }, 'Two-step sign-in is off: your password or an emailed code is enough to sign in again.');
    }
  }

  const message =
    step.name === 'scan' && error?.code === 'INVALID_CODE'
      ? WRONG_SECOND_STEP_CODE.authenticator
      : error?.message;
  return (
    <div ref={container}>
      {message && <Alert kind="error">{message}</Alert>}
      {notice && <Alert kind="success">{notice}</Alert>}
      {step.name === 'status' &&
        (user.mfaEnabled ? (
          <>
            <p>
              <span className="badge">On</span> Signing in asks for a code from your authenticator app too. If
              you lose it, sign in with one of your recovery codes.
            </p>
            <div className="actions">
              <button
                type="button"
                className="button button-secondary"
                onClick={() => show({ name: 'identity', check: 'new-recovery-codes' })}
              >
                New recovery codes
              </button>
              <button
                type="button"
                className="button button-danger"
                onClick={() => show({ name: 'identity', check: 'turn-off' })}
              >
                Turn off
              </button>
            </div>
          </>
        ) : (
          <>
            <p>
              <span className="badge">Off</span> Turn it on and signing in also asks for a 6-digit code from
              an authenticator app on your phone, so your password or email alone is not enough.
            </p>
            <div className="actions">
              <button
                type="button"
                className="button button-secondary"
                onClick={() => show({ name: 'identity', check: 'turn-on' })}
              >
                Turn on two-step sign-in
              </button>
            </div>
          </>
        ))}
      {step.name === 'identity' && (
        <IdentityCheckForm
          account={account}
          check={step.check}
          pending={pending}
          fieldErrors={error?.fieldErrors}
          onConfirmed={(proof) => onIdentityConfirmed(step.check, proof)}
          onCancel={() => show({ name: 'status' })}
        />
      )}
      {step.name === 'scan' && (
        <AuthenticatorSetup
          setup={step.setup}
          pending={pending}
          fieldErrors={error?.fieldErrors}
          onCode={(code) =>
            perform(async () => ({
              name: 'recovery-codes',
              codes: await api.enableTotp(code),
              justTurnedOn: true,
            }))
          }
          onCancel={() => show({ name: 'status' })}
        />
      )}
      {step.name === 'recovery-codes' && (
        <RecoveryCodesNotice
          codes={step.codes}
          justTurnedOn={step.justTurnedOn}
          onDone={() => show({ name: 'status' })}
        />
      )}
    </div>
  );
}
