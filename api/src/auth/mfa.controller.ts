import { Controller, Delete, HttpCode, Inject, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiOperation, ValidBody, ValidQuery } from '../common/openapi/api-docs.decorators.js';
import { Client, CurrentUser, Public } from './auth.decorators.js';
import {
  AuthTokensSchema,
  REAUTHENTICATION_ERRORS,
  type ReauthenticationDto,
  ReauthenticationSchema,
  type TokenDelivery,
  TokenDeliverySchema,
} from './auth.dto.js';
import type { ClientInfo, UserAuth } from './auth-context.js';
import { AuthCookies } from './auth-cookies.js';
import {
  type MfaVerifyDto,
  MfaVerifySchema,
  RecoveryCodesSchema,
  type TotpEnableDto,
  TotpEnableSchema,
  TotpSetupSchema,
} from './mfa.dto.js';
import { MfaService } from './mfa.service.js';

const tags = ['two-step sign-in'];

@Controller('auth/mfa')
export class MfaController {
  constructor(
    @Inject(MfaService) private readonly mfa: MfaService,
    @Inject(AuthCookies) private readonly cookies: AuthCookies,
  ) {}

  @Post('totp/setup')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Start turning on two-step sign-in (confirm with your password, or an emailed code): a new authenticator secret.',
    tags,
    responses: { 200: TotpSetupSchema },
    errors: ['MFA_ALREADY_ENABLED', ...REAUTHENTICATION_ERRORS],
  })
  startTotpSetup(
    @CurrentUser() user: UserAuth,
    @ValidBody(ReauthenticationSchema) proof: ReauthenticationDto,
  ) {
    return this.mfa.startTotpSetup(user, proof);
  }

  @Post('totp/enable')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Turn two-step sign-in on with a code from the authenticator app; signs out the other sessions and returns the recovery codes (shown once).',
    tags,
    responses: { 200: RecoveryCodesSchema },
    errors: ['MFA_SETUP_NOT_STARTED', 'MFA_ALREADY_ENABLED', 'INVALID_CODE', 'RATE_LIMITED'],
  })
  enableTotp(
    @CurrentUser() user: UserAuth,
    @ValidBody(TotpEnableSchema) dto: TotpEnableDto,
    @Client() client: ClientInfo,
  ) {
    return this.mfa.enableTotp(user, dto, client);
  }

  @Delete('totp')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Turn two-step sign-in off (confirm with your password, or an emailed code).',
    tags,
    responses: { 204: null },
    errors: ['MFA_NOT_ENABLED', ...REAUTHENTICATION_ERRORS],
  })
  disable(
    @CurrentUser() user: UserAuth,
    @ValidBody(ReauthenticationSchema) proof: ReauthenticationDto,
    @Client() client: ClientInfo,
  ) {
    return this.mfa.disable(user, proof, client);
  }

  @Post('recovery-codes')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'New recovery codes in place of the earlier ones (confirm with your password, or an emailed code).',
    tags,
    responses: { 200: RecoveryCodesSchema },
    errors: ['MFA_NOT_ENABLED', ...REAUTHENTICATION_ERRORS],
  })
  replaceRecoveryCodes(
    @CurrentUser() user: UserAuth,
    @ValidBody(ReauthenticationSchema) proof: ReauthenticationDto,
    @Client() client: ClientInfo,
  ) {
    return this.mfa.replaceRecoveryCodes(user, proof, client);
  }

  @Post('verify')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Finish signing in with two-step sign-in on: the challenge from the sign-in route and an authenticator or recovery code (5 attempts; wrong codes count towards the lockout).',
    tags,
    responses: { 200: AuthTokensSchema },
    errors: [
      'INVALID_CODE',
      'MFA_CHALLENGE_INVALID',
      'ACCOUNT_LOCKED',
      'SECOND_STEP_LIMIT_REACHED',
      'ACCOUNT_DISABLED',
      'RATE_LIMITED',
      'SIGN_IN_INTERRUPTED',
    ],
  })
  async verify(
    @ValidBody(MfaVerifySchema) dto: MfaVerifyDto,
    @ValidQuery(TokenDeliverySchema) delivery: TokenDelivery,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.cookies.deliver(await this.mfa.verify(dto, client), delivery, reply);
  }
}
