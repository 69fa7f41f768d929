import { Controller, Delete, Get, HttpCode, Inject, Patch, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiOperation, ValidBody, ValidParams, ValidQuery } from '../common/openapi/api-docs.decorators.js';
import { type IdParams, IdParamsSchema } from '../common/validation/id-params.dto.js';
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
  PasskeyListSchema,
  PasskeyOptionsSchema,
  type PasskeyRegistrationDto,
  PasskeyRegistrationSchema,
  type PasskeyRenameDto,
  PasskeyRenameSchema,
  PasskeySchema,
  type PasskeySignInDto,
  PasskeySignInSchema,
} from './passkeys.dto.js';
import { PasskeysService } from './passkeys.service.js';

const tags = ['passkeys'];

@Controller('auth/passkeys')
export class PasskeysController {
  constructor(
    @Inject(PasskeysService) private readonly passkeys: PasskeysService,
    @Inject(AuthCookies) private readonly cookies: AuthCookies,
  ) {}

  @Post('registration/options')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Start adding a passkey (confirm with your password, or an emailed code): WebAuthn creation options, good for 5 minutes.',
    tags,
    responses: { 200: PasskeyOptionsSchema },
    errors: ['PASSKEY_LIMIT_REACHED', ...REAUTHENTICATION_ERRORS],
  })
  registrationOptions(
    @CurrentUser() user: UserAuth,
    @ValidBody(ReauthenticationSchema) proof: ReauthenticationDto,
  ) {
    return this.passkeys.registrationOptions(user, proof);
  }

  @Post()
  @ApiOperation({
    summary: 'Add the passkey the browser created for those options; the owner is mailed.',
    tags,
    responses: { 201: PasskeySchema },
    errors: [
      'PASSKEY_CHALLENGE_INVALID',
      'PASSKEY_VERIFICATION_FAILED',
      'PASSKEY_ALREADY_REGISTERED',
      'PASSKEY_LIMIT_REACHED',
    ],
  })
  register(
    @CurrentUser() user: UserAuth,
    @ValidBody(PasskeyRegistrationSchema) dto: PasskeyRegistrationDto,
    @Client() client: ClientInfo,
  ) {
    return this.passkeys.register(user, dto, client);
  }

  @Get()
  @ApiOperation({
    summary: 'Your passkeys, newest first.',
    tags,
    responses: { 200: PasskeyListSchema },
  })
  list(@CurrentUser() user: UserAuth) {
    return this.passkeys.list(user);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Rename a passkey.',
    tags,
    responses: { 200: PasskeySchema },
    errors: ['PASSKEY_NOT_FOUND', 'VALIDATION_FAILED'],
  })
  rename(
    @CurrentUser() user: UserAuth,
    @ValidParams(IdParamsSchema) params: IdParams,
    @ValidBody(PasskeyRenameSchema) dto: PasskeyRenameDto,
  ) {
    return this.passkeys.rename(user, params.id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Remove a passkey (it can no longer sign in); the owner is mailed.',
    tags,
    responses: { 204: null },
    errors: ['PASSKEY_NOT_FOUND'],
  })
  remove(
    @CurrentUser() user: UserAuth,
    @ValidParams(IdParamsSchema) params: IdParams,
    @Client() client: ClientInfo,
  ) {
    return this.passkeys.remove(user, params.id, client);
  }

  @Post('sign-in/options')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Start signing in with a passkey: WebAuthn request options for any passkey of this site.',
    tags,
    responses: { 200: PasskeyOptionsSchema },
    errors: ['RATE_LIMITED'],
  })
  signInOptions(@Client() client: ClientInfo) {
    return this.passkeys.signInOptions(client);
  }

  @Post('sign-in')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Sign in with the passkey the browser chose for those options: no password, no two-step code (the authenticator verified its user).',
    tags,
    responses: { 200: AuthTokensSchema },
    errors: [
      'PASSKEY_SIGN_IN_FAILED',
      'ACCOUNT_DISABLED',
      'EMAIL_NOT_VERIFIED',
      'RATE_LIMITED',
      'SIGN_IN_INTERRUPTED',
    ],
  })
  async signIn(
    @ValidBody(PasskeySignInSchema) dto: PasskeySignInDto,
    @ValidQuery(TokenDeliverySchema) delivery: TokenDelivery,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.cookies.deliver(await this.passkeys.signIn(dto, client), delivery, reply);
  }
}
