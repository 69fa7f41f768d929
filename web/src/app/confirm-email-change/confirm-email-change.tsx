'use client';

import Link from 'next/link';
import { useState } from 'react';
import { Alert } from '../../components/alert';
import { SubmitButton } from '../../components/submit-button';
import { api } from '../../lib/api-client';
import { useLinkToken } from '../../lib/link-token';
import { useAction } from '../../lib/use-action';

/**
 * The page the email-change mail links to: `/confirm-email-change#token=…` (`useLinkToken`). Like email
 * verification it takes a click, so mail scanners that open links cannot spend the token.
 */
export function ConfirmEmailChange() {
  const token = useLinkToken();
  const confirm = useAction();
  const [confirmed, setConfirmed] = useState(false);

  async function onConfirm() {
    if (!token) return;
    await confirm.run(async () => {
      await api.confirmEmailChange(token);
      setConfirmed(true);
    });
  }

  if (confirmed) {
    return (
      <section className="card narrow">
        <h1>Email changed</h1>
        <Alert kind="success">This is now the address you sign in with.</Alert>
        <Link className="button button-primary" href="/profile">
          Go to your profile
        </Link>
      </section>
    );
  }
  // Not read yet: the fragment exists only in the browser.
  if (token === undefined) return null;
  return (
    <section className="card narrow">
      <h1>Confirm your new email</h1>
      {confirm.error && (
        <Alert kind="error">
          {confirm.error.code === 'EMAIL_TAKEN'
            ? // Not "sign in instead": someone else took the new address after the link was sent.
              'Another account uses this address now. Choose another address on your profile.'
            : confirm.error.message}
        </Alert>
      )}
      {token ? (
        <>
          <p>Make this address the one you sign in with.</p>
          <SubmitButton
            type="button"
            pending={confirm.pending}
            pendingLabel="Confirming…"
            onClick={onConfirm}
          >
            Confirm my new email
          </SubmitButton>
        </>
      ) : (
        <Alert kind="error">This link is incomplete. Open the link from the email again.</Alert>
      )}
    </section>
  );
}
