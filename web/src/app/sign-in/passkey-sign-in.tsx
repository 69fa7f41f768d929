'use client';

import { useEffect, useState } from 'react';
import { Alert } from '../../components/alert';
import { SubmitButton } from '../../components/submit-button';
import { api } from '../../lib/api-client';
import type { AuthUser } from '../../lib/api-types';
import { askForPasskey, isPromptCancelled, passkeysSupported } from '../../lib/passkeys';
import { useAction } from '../../lib/use-action';

/**
 * "Sign in with a passkey": no email or password typed. The browser lists the passkeys it holds
 * for this site, the person picks one and unlocks it (fingerprint, face, device PIN), and the API
 * answers with tokens, as after a password sign-in but never with the two-step code (the
 * authenticator already checked its user). Shown only in browsers that can use passkeys.
 */
export function PasskeySignIn({ onSignedIn }: { onSignedIn: (user: AuthUser) => void }) {
  // Known only in the browser: the server renders without the button, so the first render matches.
  const [supported, setSupported] = useState(false);
  const { run, pending, error } = useAction();

  useEffect(() => {
    setSupported(passkeysSupported());
  }, []);

  async function signIn() {
    await run(async () => {
      const { options } = await api.passkeySignInOptions();
      onSignedIn(await api.signInWithPasskey(await askForPasskey(options)));
    });
  }

  if (!supported) return null;
  return (
    <>
      <p className="divider">or</p>
      {error && <Alert kind={isPromptCancelled(error.code) ? 'info' : 'error'}>{error.message}</Alert>}
      <div className="actions">
        <SubmitButton
          type="button"
          variant="secondary"
          pending={pending}
          pendingLabel="Waiting for your passkey…"
          onClick={signIn}
        >
          Sign in with a passkey
        </SubmitButton>
      </div>
    </>
  );
}
