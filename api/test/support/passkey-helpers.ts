import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { bearer, readJson } from './auth-helpers.js';
import type { TestServer } from './test-server.js';

/** The web origin passkey tests run the API for (PUBLIC_BASE_URL): relying party `app.example.test`. */
export const PASSKEY_SITE = 'https://app.example.test';

/** Creation options for a new passkey of the signed-in account, confirmed with its password. */
export async function passkeyCreationOptions(
  server: TestServer,
  accessToken: string,
  password: string,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const response = await server.request('/auth/passkeys/registration/options', {
    method: 'POST',
    json: { password },
    headers: bearer(accessToken),
  });
  if (response.status !== 200)
    throw new Error(`registration options failed: ${response.status} ${await response.text()}`);
  return (await readJson<{ options: PublicKeyCredentialCreationOptionsJSON }>(response)).options;
}

/** Request options for signing in with any passkey of the site. */
export async function passkeyRequestOptions(
  server: TestServer,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const response = await server.request('/auth/passkeys/sign-in/options', { method: 'POST', json: {} });
  if (response.status !== 200)
    throw new Error(`sign-in options failed: ${response.status} ${await response.text()}`);
  return (await readJson<{ options: PublicKeyCredentialRequestOptionsJSON }>(response)).options;
}
