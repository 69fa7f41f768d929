'use client';

import { type FormEvent, useEffect, useRef } from 'react';
import { Field } from '../../components/field';
import { QrCode } from '../../components/qr-code';
import { SubmitButton } from '../../components/submit-button';
import type { TotpSetup } from '../../lib/api-types';

/** The base32 key in groups of four, as authenticator apps show and accept it (they ignore the spaces). */
function groupedKey(secret: string): string {
  return secret.match(/.{1,4}/g)?.join(' ') ?? secret;
}

/**
 * Adding CloudNest to an authenticator app: scan the QR code (or type the key), then enter the
 * code the app shows, which proves the app has the right key before two-step sign-in is on.
 */
export function AuthenticatorSetup({
  setup,
  pending,
  fieldErrors,
  onCode,
  onCancel,
}: {
  setup: TotpSetup;
  pending: boolean;
  fieldErrors?: Readonly<Record<string, string>>;
  onCode: (code: string) => void;
  onCancel: () => void;
}) {
  const start = useRef<HTMLParagraphElement>(null);

  // The form that asked for the password is gone: keyboard and screen-reader users continue here.
  useEffect(() => {
    start.current?.focus();
  }, []);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    onCode(String(new FormData(event.currentTarget).get('code') ?? '').replace(/\s/g, ''));
  }

  return (
    <ol className="steps">
      <li>
        <p ref={start} tabIndex={-1}>
          Scan this QR code with your authenticator app (add an account, then scan).
        </p>
        <QrCode value={setup.otpauthUri} label="QR code for your authenticator app" />
        <p className="hint">Cannot scan it? Type this key into the app instead (time-based):</p>
        <code className="secret setup-key" data-testid="totp-secret">
          {groupedKey(setup.secret)}
        </code>
      </li>
      <li>
        <form method="post" onSubmit={onSubmit}>
          <Field
            label="Code from your authenticator app"
            name="code"
            className="code-input"
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="\s*(\d\s*){6}"
            maxLength={11}
            required
            hint="The 6 digits the app now shows for CloudNest."
            error={fieldErrors?.code}
          />
          <div className="actions">
            <SubmitButton pending={pending} pendingLabel="Turning on…">
              Turn on
            </SubmitButton>
            <button type="button" className="button button-secondary" onClick={onCancel}>
              Cancel
            </button>
          </div>
        </form>
      </li>
    </ol>
  );
}
