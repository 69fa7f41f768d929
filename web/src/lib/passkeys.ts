import {
  type AuthenticationResponseJSON,
  browserSupportsWebAuthn,
  browserSupportsWebAuthnAutofill,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  startAuthentication,
  startRegistration,
  WebAuthnAbortService,
} from '@simplewebauthn/browser';

/**
 * The browser's half of a passkey ceremony (WebAuthn, through @simplewebauthn/browser): the API
 * sends options, the browser asks the person (fingerprint, face, device PIN or a security key) and
 * answers with a signed response the API checks. What the browser throws becomes one of a few
 * codes with a sentence in error-messages.ts, like an API error.
 */

/** Why the browser prompt produced no passkey. */
export type PasskeyPromptCode =
  /** Closed, cancelled or timed out (or no passkey chosen): the person decides; nothing is wrong. */
  | 'PASSKEY_PROMPT_CANCELLED'
  /** Adding: the authenticator already holds a passkey for this account (the API's exclude list). */
  | 'PASSKEY_ON_THIS_DEVICE'
  /** This browser has no WebAuthn. */
  | 'PASSKEY_UNSUPPORTED'
  /** Anything else the browser refused (wrong site, no user verification, …). */
  | 'PASSKEY_PROMPT_FAILED';

export class PasskeyPromptError extends Error {
  constructor(
    readonly code: PasskeyPromptCode,
    options?: { cause?: unknown },
  ) {
    super(code, options);
    this.name = 'PasskeyPromptError';
  }
}

/** Whether this browser can create and use passkeys at all (not whether one is saved here). */
export function passkeysSupported(): boolean {
  return typeof window !== 'undefined' && browserSupportsWebAuthn();
}

/** Asks the browser to create a passkey for the API's creation options. */
export async function createPasskey(
  optionsJSON: PublicKeyCredentialCreationOptionsJSON,
): Promise<RegistrationResponseJSON> {
  try {
    return await startRegistration({ optionsJSON });
  } catch (caught) {
    throw toPromptError(caught);
  }
}

/** Asks the browser for a signature with one of the passkeys it holds for this site. */
export async function askForPasskey(
  optionsJSON: PublicKeyCredentialRequestOptionsJSON,
): Promise<AuthenticationResponseJSON> {
  try {
    return await startAuthentication({ optionsJSON });
  } catch (caught) {
    throw toPromptError(caught);
  }
}

/**
 * Whether this browser offers passkeys among a field's autofill suggestions (WebAuthn conditional
 * mediation: the field's `autocomplete` ends in `webauthn`).
 */
export async function passkeyAutofillSupported(): Promise<boolean> {
  return passkeysSupported() && (await browserSupportsWebAuthnAutofill());
}

/**
 * Waits, without a prompt, for the person to pick a passkey from the autofill of the page's
 * `autocomplete="… webauthn"` field. Ends (PASSKEY_PROMPT_CANCELLED) when another ceremony starts —
 * the browser allows one at a time — or on {@link stopPasskeyAutofill}.
 */
export async function passkeyFromAutofill(
  optionsJSON: PublicKeyCredentialRequestOptionsJSON,
): Promise<AuthenticationResponseJSON> {
  try {
    return await startAuthentication({ optionsJSON, useBrowserAutofill: true });
  } catch (caught) {
    throw toPromptError(caught);
  }
}

/** Ends a pending {@link passkeyFromAutofill} (the page is going away or asks for fresh options). */
export function stopPasskeyAutofill(): void {
  WebAuthnAbortService.cancelCeremony();
}

/** Whether an action's error code is the person closing the prompt: shown calmly, not as a failure. */
export function isPromptCancelled(code: string | undefined): boolean {
  return code === 'PASSKEY_PROMPT_CANCELLED';
}

function toPromptError(caught: unknown): PasskeyPromptError {
  if (!passkeysSupported()) return new PasskeyPromptError('PASSKEY_UNSUPPORTED', { cause: caught });
  // @simplewebauthn's WebAuthnError keeps the DOMException's name (and says more in `code`).
  const name = caught instanceof Error ? caught.name : '';
  const code = (caught as { code?: unknown } | null)?.code;
  // NotAllowedError is what browsers answer for "closed", "timed out" and "no passkey here" alike,
  // on purpose (a site must not learn which), so all of them read as "no passkey was used".
  if (name === 'NotAllowedError' || name === 'AbortError')
    return new PasskeyPromptError('PASSKEY_PROMPT_CANCELLED', { cause: caught });
  if (name === 'InvalidStateError' || code === 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED')
    return new PasskeyPromptError('PASSKEY_ON_THIS_DEVICE', { cause: caught });
  return new PasskeyPromptError('PASSKEY_PROMPT_FAILED', { cause: caught });
}
