import type { BrowserContext, Page } from 'playwright-core';

/** Chromium's virtual authenticator on one page, through the DevTools protocol's WebAuthn domain. */
export interface VirtualAuthenticator {
  /** The passkeys it holds. */
  credentials(): Promise<{ isResidentCredential: boolean }[]>;
  /** Off, it cannot verify its user and Chromium answers NotAllowedError, as for a closed prompt. */
  setUserVerified(verified: boolean): Promise<void>;
}

/**
 * A platform authenticator that keeps discoverable passkeys and verifies its user without a prompt;
 * `synced` marks its passkeys backed up, as a phone's passkey manager does. WebAuthn needs a
 * domain: the stack's web origin is localhost.
 */
export async function addVirtualAuthenticator(
  context: BrowserContext,
  page: Page,
  { synced = false }: { synced?: boolean } = {},
): Promise<VirtualAuthenticator> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
      ...(synced ? { defaultBackupEligibility: true, defaultBackupState: true } : {}),
    },
  });
  return {
    credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials,
    setUserVerified: async (isUserVerified) => {
      await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified });
    },
  };
}
