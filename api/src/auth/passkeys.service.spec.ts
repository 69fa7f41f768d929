import { describe, expect, it, vi } from 'vitest';
import { appErrorCode } from '../../test/support/app-error-code.js';
import { confirmedIdentity } from '../../test/support/confirmed-identity.js';
import {
  recordedSecurityActivity,
  SPEC_TRANSACTION,
  SPEC_TRANSACTIONS,
} from '../../test/support/recorded-security-activity.js';
import { recordingMail } from '../../test/support/recording-mail.js';
import type { ClockRepository } from '../common/clock/clock.repository.js';
import { CryptoRepository } from '../common/crypto/crypto.repository.js';
import { AppError } from '../common/errors/app-error.js';
import { loadConfig } from '../config/app-config.js';
import { newUserRow } from '../users/new-user.js';
import type { UsersRepository } from '../users/users.repository.js';
import type { AuthService } from './auth.service.js';
import type { UserAuth } from './auth-context.js';
import type { OneTimeTokensRepository } from './one-time-tokens.repository.js';
import type { PasskeyRegistrationDto, PasskeySignInDto } from './passkeys.dto.js';
import type { PasskeyRow, PasskeysRepository } from './passkeys.repository.js';
import { MAX_PASSKEYS_PER_ACCOUNT, PasskeysService } from './passkeys.service.js';
import type { RateLimitService } from './rate-limit.service.js';
import type { VerifiedPasskey, WebAuthnRepository } from './webauthn.repository.js';

const T0 = new Date('2026-12-06T12:00:00.000Z');
const CLIENT = { ip: '203.0.113.7', userAgent: 'Spec/1.0' };
const CHALLENGE = 'c2lnbi1pbi1jaGFsbGVuZ2U';
const clientData = (challenge: string) =>
  Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge })).toString('base64url');
const user = newUserRow({
  id: 'user-1',
  email: 'ada@example.com',
  username: 'ada',
  passwordHash: 'hash',
  emailVerifiedAt: T0,
  now: T0,
});
const userAuth: UserAuth = { method: 'bearer', userId: 'user-1', sessionId: 'session-1', role: 'user' };
const stored: PasskeyRow = {
  id: 'passkey-1',
  userId: 'user-1',
  credentialId: 'Y3JlZGVudGlhbA',
  publicKey: 'AAAA',
  counter: '7',
  transports: '["internal","hybrid"]',
  deviceType: 'singleDevice',
  backedUp: 0,
  name: 'Laptop',
  createdAt: T0,
  lastUsedAt: null,
};
const verified: VerifiedPasskey = {
  credentialId: 'bmV3LWNyZWRlbnRpYWw',
  publicKey: 'AAAA',
  counter: 0,
  transports: ['internal'],
  deviceType: 'multiDevice',
  backedUp: true,
};

/** A PasskeysService over fakes; the WebAuthn checks themselves are the e2e tests' (a software authenticator). */
function setup() {
  const identity = confirmedIdentity(user);
  const auth = {
    confirmIdentity: vi.fn(async () => identity),
    ownAccount: vi.fn(async () => user),
    lockLiveSession: vi.fn(async () => {}),
    startSession: vi.fn(async () => ({ accessToken: 'access' })),
    clearFailedLogins: vi.fn(async () => {}),
  } as unknown as AuthService;
  const passkeys = {
    listByUser: vi.fn(async (): Promise<PasskeyRow[]> => [stored]),
    findByCredentialId: vi.fn(async (): Promise<PasskeyRow | undefined> => stored),
    create: vi.fn(async () => 'created' as const),
    delete: vi.fn(async () => stored),
    recordUse: vi.fn(async () => true),
  } as unknown as PasskeysRepository;
  const webauthn = {
    registrationOptions: vi.fn(async () => ({ challenge: CHALLENGE })),
    verifyRegistration: vi.fn(async (): Promise<VerifiedPasskey | undefined> => verified),
    authenticationOptions: vi.fn(async () => ({ challenge: CHALLENGE })),
    verifyAuthentication: vi.fn(async () => ({ counter: 8, backedUp: false })),
  } as unknown as WebAuthnRepository;
  const oneTimeTokens = {
    issue: vi.fn(async () => {}),
    issueUnbound: vi.fn(async () => {}),
    consume: vi.fn(async () => ({ id: 'token-1', userId: 'user-1' })),
  } as unknown as OneTimeTokensRepository;
  const users = { findById: vi.fn(async () => user) } as unknown as UsersRepository;
  const crypto = new CryptoRepository();
  const clock = { now: () => T0 } as ClockRepository;
  const rateLimits = { consume: vi.fn(async () => {}) } as unknown as RateLimitService;
  const mail = recordingMail();
  const config = loadConfig({ NODE_ENV: 'test', PUBLIC_BASE_URL: 'https://app.example.test' }, '/');
  const { activity, types: activityTypes } = recordedSecurityActivity(clock);
  const service = new PasskeysService(
    auth,
    passkeys,
    webauthn,
    oneTimeTokens,
    users,
    crypto,
    clock,
    rateLimits,
    mail,
    activity,
    SPEC_TRANSACTIONS,
    config,
  );
  return {
    service,
    auth,
    identity,
    passkeys,
    webauthn,
    oneTimeTokens,
    users,
    crypto,
    rateLimits,
    mail,
    activityTypes,
  };
}

const registration = (challenge = CHALLENGE): PasskeyRegistrationDto => ({
  response: {
    id: verified.credentialId,
    rawId: verified.credentialId,
    type: 'public-key',
    response: { clientDataJSON: clientData(challenge), attestationObject: 'AAAA' },
    clientExtensionResults: {},
  },
});
const assertion = (challenge = CHALLENGE): PasskeySignInDto => ({
  response: {
    id: stored.credentialId,
    rawId: stored.credentialId,
    type: 'public-key',
    response: {
      clientDataJSON: clientData(challenge),
      authenticatorData: 'AAAA',
      signature: 'AAAA',
      userHandle: Buffer.from('user-1').toString('base64url'),
    },
    clientExtensionResults: {},
  },
});

describe('PasskeysService', () => {
  it('keeps the creation challenge as a digest for 5 minutes and excludes the passkeys the account has', async () => {
    const { service, identity, webauthn, oneTimeTokens, crypto } = setup();
    await service.registrationOptions(userAuth, { password: 'x' });
    expect(vi.mocked(webauthn.registrationOptions).mock.calls[0]?.[0]).toMatchObject({
      site: { rpId: 'app.example.test', origins: ['https://app.example.test'] },
      userId: 'user-1',
      userName: 'ada@example.com',
      exclude: [{ credentialId: stored.credentialId, transports: ['internal', 'hybrid'] }],
    });
    expect(oneTimeTokens.issue).toHaveBeenCalledWith(
      expect.objectContaining({
        purpose: 'passkey_registration',
        userId: 'user-1',
        tokenHash: crypto.sha256(CHALLENGE),
        expiresAt: new Date(T0.getTime() + 5 * 60_000),
      }),
      SPEC_TRANSACTION,
    );
    // The re-authentication is spent with the challenge, so an emailed code survives a failed write.
    expect(identity.spend).toHaveBeenCalledWith(SPEC_TRANSACTION);
  });

  it('refuses an account at the limit before re-authenticating, and issues no challenge for a used code', async () => {
    const full = setup();
    vi.mocked(full.passkeys.listByUser).mockResolvedValue(
      Array.from({ length: MAX_PASSKEYS_PER_ACCOUNT }, (_, i) => ({ ...stored, id: `passkey-${i}` })),
    );
    expect(await appErrorCode(full.service.registrationOptions(userAuth, { code: '123456' }))).toBe(
      'PASSKEY_LIMIT_REACHED',
    );
    // The code sent along stays usable.
    expect(full.auth.confirmIdentity).not.toHaveBeenCalled();
    const raced = setup();
    raced.identity.spend.mockRejectedValue(new AppError('INVALID_CODE'));
    expect(await appErrorCode(raced.service.registrationOptions(userAuth, { code: '123456' }))).toBe(
      'INVALID_CODE',
    );
    expect(raced.oneTimeTokens.issue).not.toHaveBeenCalled();
  });

  it('stores a verified passkey under the default name and mails the owner', async () => {
    const { service, passkeys, mail, activityTypes } = setup();
    expect(await service.register(userAuth, registration(), CLIENT)).toMatchObject({
      name: 'Passkey',
      backedUp: true,
      deviceType: 'multiDevice',
      lastUsedAt: null,
    });
    expect(vi.mocked(passkeys.create).mock.calls[0]?.[0]).toMatchObject({
      credentialId: verified.credentialId,
      transports: '["internal"]',
    });
    expect(vi.mocked(passkeys.create).mock.calls[0]?.[2]).toBe(SPEC_TRANSACTION);
    expect(mail.sent).toHaveBeenCalledWith('ada@example.com', 'passkeyAdded', 'Passkey');
    // Queued in the change's transaction: the two commit together.
    expect(mail.queue).toHaveBeenCalledWith(SPEC_TRANSACTION, expect.anything(), 'passkeyAdded', 'Passkey');
    expect(activityTypes()).toEqual(['passkey_added:Passkey']);
  });

  // Found in review (2026-12-07): a thief who asked for the options before the owner's password
  // reset stored the passkey after it, on a session the reset had revoked.
  it('stores a passkey only while the session is live, checked under the account lock in the change', async () => {
    const live = setup();
    await live.service.register(userAuth, registration(), CLIENT);
    expect(live.auth.lockLiveSession).toHaveBeenCalledWith(userAuth, SPEC_TRANSACTION);
    const revoked = setup();
    vi.mocked(revoked.auth.lockLiveSession).mockRejectedValueOnce(new AppError('SESSION_REVOKED'));
    expect(await appErrorCode(revoked.service.register(userAuth, registration(), CLIENT))).toBe(
      'SESSION_REVOKED',
    );
    expect(revoked.passkeys.create).not.toHaveBeenCalled();
    expect(revoked.mail.queue).not.toHaveBeenCalled();
    expect(revoked.activityTypes()).toEqual([]);
  });

  it('records nothing for a passkey refused over the limit or already registered, and removes with a record', async () => {
    for (const outcome of ['limit', 'duplicate'] as const) {
      const refused = setup();
      vi.mocked(refused.passkeys.create).mockResolvedValueOnce(outcome);
      expect(await appErrorCode(refused.service.register(userAuth, registration(), CLIENT))).toBe(
        outcome === 'limit' ? 'PASSKEY_LIMIT_REACHED' : 'PASSKEY_ALREADY_REGISTERED',
      );
      expect(refused.activityTypes()).toEqual([]);
    }
    const removing = setup();
    await removing.service.remove(userAuth, 'passkey-1', CLIENT);
    expect(removing.passkeys.delete).toHaveBeenCalledWith('user-1', 'passkey-1', SPEC_TRANSACTION);
    expect(removing.activityTypes()).toEqual([`passkey_removed:${stored.name}`]);
    const missing = setup();
    vi.mocked(missing.passkeys.delete).mockResolvedValueOnce(undefined);
    expect(await appErrorCode(missing.service.remove(userAuth, 'passkey-2', CLIENT))).toBe(
      'PASSKEY_NOT_FOUND',
    );
    expect(missing.activityTypes()).toEqual([]);
  });

  it('refuses a registration whose challenge is not this account’s, or whose credential id is too long to store', async () => {
    const foreign = setup();
    vi.mocked(foreign.oneTimeTokens.consume).mockResolvedValueOnce({
      id: 'token-2',
      userId: 'user-2',
    } as never);
    expect(await appErrorCode(foreign.service.register(userAuth, registration(), CLIENT))).toBe(
      'PASSKEY_CHALLENGE_INVALID',
    );
    expect(foreign.webauthn.verifyRegistration).not.toHaveBeenCalled();

    const notJson = setup();
    const dto = registration();
    dto.response.response.clientDataJSON = 'bm90IGpzb24';
    expect(await appErrorCode(notJson.service.register(userAuth, dto, CLIENT))).toBe(
      'PASSKEY_CHALLENGE_INVALID',
    );
    expect(notJson.oneTimeTokens.consume).not.toHaveBeenCalled();

    const long = setup();
    vi.mocked(long.webauthn.verifyRegistration).mockResolvedValueOnce({
      ...verified,
      credentialId: 'A'.repeat(513),
    });
    expect(await appErrorCode(long.service.register(userAuth, registration(), CLIENT))).toBe(
      'PASSKEY_VERIFICATION_FAILED',
    );
    expect(long.passkeys.create).not.toHaveBeenCalled();

    // Found in review (2026-12-07): a key past its column failed the insert with a 500.
    const bigKey = setup();
    vi.mocked(bigKey.webauthn.verifyRegistration).mockResolvedValueOnce({
      ...verified,
      publicKey: 'A'.repeat(1025),
    });
    expect(await appErrorCode(bigKey.service.register(userAuth, registration(), CLIENT))).toBe(
      'PASSKEY_VERIFICATION_FAILED',
    );
    expect(bigKey.passkeys.create).not.toHaveBeenCalled();
  });

  it('keeps only the transports WebAuthn defines, each once (made-up ones overflowed the column)', async () => {
    const { service, webauthn, passkeys } = setup();
    vi.mocked(webauthn.verifyRegistration).mockResolvedValueOnce({
      ...verified,
      transports: [
        'usb',
        ...Array.from({ length: 10 }, (_, index) => `made-up-transport-${index}`.padEnd(32, 'x')),
        'usb',
        'nfc',
      ],
    });
    await service.register(userAuth, registration(), CLIENT);
    expect(vi.mocked(passkeys.create).mock.calls[0]?.[0]).toMatchObject({ transports: '["usb","nfc"]' });
  });

  it('counts option requests and sign-in attempts per address, each in its own bucket', async () => {
    const { service, rateLimits } = setup();
    await service.signInOptions(CLIENT);
    await service.signIn(assertion(), CLIENT);
    expect(vi.mocked(rateLimits.consume).mock.calls).toEqual([
      ['signIn', 'passkey-options:ip:203.0.113.7'],
      ['signIn', 'passkey:ip:203.0.113.7'],
    ]);
  });

  it('signs in: challenge spent, signature checked against the stored key and counter, counter advanced', async () => {
    const { service, webauthn, passkeys, oneTimeTokens, auth, crypto } = setup();
    expect(await service.signIn(assertion(), { ip: '203.0.113.7', userAgent: null })).toEqual({
      accessToken: 'access',
    });
    expect(oneTimeTokens.consume).toHaveBeenCalledWith('passkey_sign_in', crypto.sha256(CHALLENGE), T0);
    expect(vi.mocked(webauthn.verifyAuthentication).mock.calls[0]?.[0]).toMatchObject({
      challenge: CHALLENGE,
      passkey: { credentialId: stored.credentialId, counter: 7, transports: ['internal', 'hybrid'] },
    });
    expect(passkeys.recordUse).toHaveBeenCalledWith('passkey-1', 7, 8, T0);
    expect(auth.startSession).toHaveBeenCalledWith(user, { ip: '203.0.113.7', userAgent: null }, 'passkey');
  });

  it('refuses a sign-in that lost the counter race, and never starts a session for it', async () => {
    const { service, passkeys, auth } = setup();
    vi.mocked(passkeys.recordUse).mockResolvedValueOnce(false);
    expect(await appErrorCode(service.signIn(assertion(), { ip: '203.0.113.7', userAgent: null }))).toBe(
      'PASSKEY_SIGN_IN_FAILED',
    );
    expect(auth.startSession).not.toHaveBeenCalled();
  });
});
