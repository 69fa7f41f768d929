import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { UsersRepository } from '../users/users.repository.js';
import { ApiKeysController } from './api-keys.controller.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { ApiKeysService } from './api-keys.service.js';
import { AuthController } from './auth.controller.js';
import { AuthGuard } from './auth.guard.js';
import { AuthService } from './auth.service.js';
import { AuthCookies } from './auth-cookies.js';
import { CommonPasswordsRepository } from './common-passwords.repository.js';
import { EmailChangeController } from './email-change.controller.js';
import { EmailChangeService } from './email-change.service.js';
import { JwksController } from './jwks.controller.js';
import { JwtRepository } from './jwt.repository.js';
import { MfaController } from './mfa.controller.js';
import { MfaRepository } from './mfa.repository.js';
import { MfaService } from './mfa.service.js';
import { OneTimeTokensRepository } from './one-time-tokens.repository.js';
import { PasskeysController } from './passkeys.controller.js';
import { PasskeysRepository } from './passkeys.repository.js';
import { PasskeysService } from './passkeys.service.js';
import { PendingRegistrationsRepository } from './pending-registrations.repository.js';
import { RateLimitRepository } from './rate-limit.repository.js';
import { RateLimitService } from './rate-limit.service.js';
import { SecurityActivityController } from './security-activity.controller.js';
import { SecurityActivityService } from './security-activity.service.js';
import { SecurityEventsRepository } from './security-events.repository.js';
import { SessionStatusCache } from './session-status.cache.js';
import { SessionsRepository } from './sessions.repository.js';
import { TotpSecretCipher } from './totp-secret-cipher.js';
import { UniformResponse } from './uniform-response.js';
import { WebAuthnRepository } from './webauthn.repository.js';

/** The Auth Manager; its guard protects every route of the app (see `AuthGuard`). */
@Module({
  controllers: [
    AuthController,
    MfaController,
    PasskeysController,
    EmailChangeController,
    ApiKeysController,
    JwksController,
    SecurityActivityController,
  ],
  providers: [
    { provide: APP_GUARD, useClass: AuthGuard },
    AuthService,
    AuthCookies,
    EmailChangeService,
    MfaService,
    PasskeysService,
    ApiKeysService,
    RateLimitService,
    SecurityActivityService,
    UniformResponse,
    SessionStatusCache,
    UsersRepository,
    SessionsRepository,
    OneTimeTokensRepository,
    PendingRegistrationsRepository,
    ApiKeysRepository,
    MfaRepository,
    TotpSecretCipher,
    PasskeysRepository,
    WebAuthnRepository,
    RateLimitRepository,
    SecurityEventsRepository,
    CommonPasswordsRepository,
    JwtRepository,
  ],
  exports: [
    AuthService,
    SessionStatusCache,
    RateLimitService,
    UsersRepository,
    JwtRepository,
    MfaRepository,
    OneTimeTokensRepository,
    PendingRegistrationsRepository,
    SessionsRepository,
    SecurityActivityService,
  ],
})
export class AuthModule {}
