'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { Alert } from '../../components/alert';
import { SubmitButton } from '../../components/submit-button';
import { api } from '../../lib/api-client';
import type { AuthUser } from '../../lib/api-types';
import {
  askForPasskey,
  isPromptCancelled,
  passkeyAutofillSupported,
  passkeyFromAutofill,
  passkeysSupported,
  stopPasskeyAutofill,
} from '../../lib/passkeys';
import { useAction } from '../../lib/use-action';

/**
 * The API keeps a sign-in challenge 5 minutes (PASSKEY_CEREMONY_TTL_MS); a page left open longer
 * asks for fresh options before the pending autofill's run out.
 */
const AUTOFILL_RENEW_MS = 4 * 60_000;

/**
 * Signing in with a passkey: no email or password typed. Two ways in, both answered by the API
 * with tokens as after a password sign-in but never with the two-step code (the authenticator
 * already checked its user):
 *
 * - **Autofill.** Where the browser can (conditional mediation), the page's "Email or username"
 *   field (`autocomplete="username webauthn"`) lists the site's passkeys among its suggestions; the
 *   page waits for a pick without any prompt. Picking one and unlocking it signs in.
 * - **The button**, "Sign in with a passkey": the browser's own passkey prompt. Starting it ends
 *   the pending autofill (one ceremony at a time); if it does not sign in, autofill waits again.
 *
 * Shown only in browsers that can use passkeys.
 */
export function PasskeySignIn({ onSignedIn }: { onSignedIn: (user: AuthUser) => void }) {
  // Known only in the browser: the server renders without the button, so the first render matches.
  const [supported, setSupported] = useState(false);
  const { run, pending, error } = useAction();
  // Bumped to start autofill again: after the button's prompt, and before the challenge expires.
  const [autofillRound, setAutofillRound] = useState(0);
  // While the button's prompt is open nothing may start autofill: a new ceremony ends the open one.
  const prompting = useRef(false);

  useEffect(() => {
    setSupported(passkeysSupported());
  }, []);

  // The latest callback, read when a sign-in completes: the parent passes a new function on each
  // render, and an autofill round must not restart (a new options request) because of that.
  const signedInCallback = useRef(onSignedIn);
  useEffect(() => {
    signedInCallback.current = onSignedIn;
  });
  const signInWith = useCallback(async (answer: Parameters<typeof api.signInWithPasskey>[0]) => {
    signedInCallback.current(await api.signInWithPasskey(answer));
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: each round is a new autofill request
  useEffect(() => {
    let current = true;
    let waiting = false;
    const renew = setTimeout(() => {
      if (!prompting.current) setAutofillRound((round) => round + 1);
    }, AUTOFILL_RENEW_MS);
    void (async () => {
      // Not for a page already gone (or React's development double run): each request stores a challenge.
      if (!(await passkeyAutofillSupported()) || !current) return;
      // Autofill is a convenience beside the button: options refused (rate limit) or unreachable
      // mean no suggestions, not an error on the page.
      const options = await api.passkeySignInOptions().then(
        (answer) => answer.options,
        () => undefined,
      );
      if (!current || !options || prompting.current) return;
      // Ends without a pick when the button's prompt starts, the page goes, or the round is
      // renewed. One that backs out of unlocking the picked passkey stays on the form, and the
      // suggestions come back with the button or the next round, not at once: an authenticator that
      // refuses without asking anyone (a test's virtual one) would otherwise loop.
      waiting = true;
      const answer = await passkeyFromAutofill(options).catch(() => undefined);
      waiting = false;
      if (current && answer) await run(() => signInWith(answer));
    })();
    return () => {
      current = false;
      clearTimeout(renew);
      if (waiting) stopPasskeyAutofill();
    };
  }, [autofillRound, run, signInWith]);

  async function signIn() {
    prompting.current = true;
    const signedIn = await run(async () => {
      const { options } = await api.passkeySignInOptions();
      await signInWith(await askForPasskey(options));
    });
    prompting.current = false;
    if (!signedIn) setAutofillRound((round) => round + 1);
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
