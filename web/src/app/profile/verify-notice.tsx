'use client';

import { useState } from 'react';
import { Alert } from '../../components/alert';
import { SubmitButton } from '../../components/submit-button';
import { api } from '../../lib/api-client';
import { useAction } from '../../lib/use-action';

/** Shown until the account's email address is confirmed. */
export function VerifyNotice({ email }: { email: string }) {
  const { run, pending, error } = useAction();
  const [sent, setSent] = useState(false);
  return (
    <Alert kind="info" focus={false}>
      <p style={{ marginTop: 0 }}>
        Your email address <strong>{email}</strong> is not confirmed yet.
      </p>
      {sent ? (
        <p style={{ marginBottom: 0 }}>We sent you a confirmation link. Open it to confirm.</p>
      ) : (
        <SubmitButton
          type="button"
          variant="secondary"
          pending={pending}
          pendingLabel="Sending…"
          onClick={() => run(() => api.requestVerification(email).then(() => setSent(true)))}
        >
          Send confirmation link
        </SubmitButton>
      )}
      {error && <p className="field-error">{error.message}</p>}
    </Alert>
  );
}
