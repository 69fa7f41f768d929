import { Controller, Delete, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiOperation, ValidBody, ValidParams, ValidQuery } from '../common/openapi/api-docs.decorators.js';
import { type IdParams, IdParamsSchema } from '../common/validation/id-params.dto.js';
import { Client, CurrentUser, Public } from './auth.decorators.js';
import {
  AuthTokensSchema,
  type EmailCodeVerifyDto,
  EmailCodeVerifySchema,
  type EmailOnlyDto,
  EmailOnlySchema,
  type EmailVerificationConfirmDto,
  EmailVerificationConfirmSchema,
  type LoginDto,
  LoginSchema,
  MfaChallengeSchema,
  type PasswordChangeDto,
  PasswordChangeSchema,
  type PasswordResetDto,
  PasswordResetSchema,
  type PasswordSetDto,
  PasswordSetSchema,
  type RefreshDto,
  RefreshSchema,
  type RegisterDto,
  RegisterSchema,
  SessionListSchema,
  StatusSchema,
  type TokenDelivery,
  TokenDeliverySchema,
  UserSchema,
} from './auth.dto.js';
import { AuthService } from './auth.service.js';
import type { ClientInfo, UserAuth } from './auth-context.js';
import { AuthCookies } from './auth-cookies.js';

const tags = ['auth'];

@Controller('auth')
export class AuthController {
  constructor(
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(AuthCookies) private readonly cookies: AuthCookies,
  ) {}

  @Post('register')
  @Public()
  @ApiOperation({
    summary: 'Create an account. 201 with tokens, or 202 when email verification is required.',
    tags,
    responses: { 201: AuthTokensSchema, 202: StatusSchema },
    errors: ['EMAIL_TAKEN', 'USERNAME_TAKEN', 'PASSWORD_TOO_COMMON', 'RATE_LIMITED', 'VALIDATION_FAILED'],
  })
  async register(
    @ValidBody(RegisterSchema) dto: RegisterDto,
    @ValidQuery(TokenDeliverySchema) delivery: TokenDelivery,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const result = await this.auth.register(dto, client);
    reply.status(result.status);
    return result.status === 201 ? this.cookies.deliver(result.body, delivery, reply) : result.body;
  }

  @Post('login')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Sign in with email or username and password. 202 with a challenge when two-step sign-in is on.',
    tags,
    responses: { 200: AuthTokensSchema, 202: MfaChallengeSchema },
    errors: [
      'INVALID_CREDENTIALS',
      'EMAIL_NOT_VERIFIED',
      'ACCOUNT_DISABLED',
      'RATE_LIMITED',
      'SIGN_IN_INTERRUPTED',
    ],
  })
  async login(
    @ValidBody(LoginSchema) dto: LoginDto,
    @ValidQuery(TokenDeliverySchema) delivery: TokenDelivery,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.cookies.deliverSignIn(await this.auth.login(dto, client), delivery, reply);
  }

  @Post('refresh')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Exchange a refresh token for a new pair (single use; reuse revokes the session).',
    tags,
    responses: { 200: AuthTokensSchema },
    errors: ['INVALID_REFRESH_TOKEN', 'REFRESH_TOKEN_REUSED', 'CSRF_TOKEN_INVALID', 'RATE_LIMITED'],
  })
  async refresh(
    @ValidBody(RefreshSchema) dto: RefreshDto,
    @ValidQuery(TokenDeliverySchema) delivery: TokenDelivery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { refreshToken, csrf } = this.cookies.refreshTokenFrom(request, dto?.refreshToken);
    return this.cookies.deliver(await this.auth.refresh(refreshToken), delivery, reply, csrf);
  }

  @Post('logout')
  @HttpCode(204)
  @ApiOperation({ summary: 'Sign out the current session.', tags, responses: { 204: null } })
  async logout(@CurrentUser() user: UserAuth, @Res({ passthrough: true }) reply: FastifyReply) {
    this.cookies.clear(reply);
    await this.auth.logout(user);
  }

  @Post('logout-all')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Sign out every session of the account.',
    tags,
    responses: { 204: null },
  })
  async logoutAll(
    @CurrentUser() user: UserAuth,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    this.cookies.clear(reply);
    await this.auth.logoutAll(user, client);
  }

  @Get('me')
  @ApiOperation({ summary: 'The signed-in account.', tags, responses: { 200: UserSchema } })
  me(@CurrentUser() user: UserAuth) {
    return this.auth.me(user);
  }

  @Get('sessions')
  @ApiOperation({
    summary: 'Active sessions of the account.',
    tags,
    responses: { 200: SessionListSchema },
  })
  sessions(@CurrentUser() user: UserAuth) {
    return this.auth.listSessions(user);
  }

  @Delete('sessions/:id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Sign out one session.',
    tags,
    responses: { 204: null },
    errors: ['SESSION_NOT_FOUND'],
  })
  revokeSession(@CurrentUser() user: UserAuth, @ValidParams(IdParamsSchema) params: IdParams) {
    return this.auth.revokeSession(user, params.id);
  }

  @Post('email/verify/request')
  @Public()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Send a verification link (always 202).',
    tags,
    responses: { 202: null },
    errors: ['RATE_LIMITED'],
  })
  requestVerification(@ValidBody(EmailOnlySchema) dto: EmailOnlyDto, @Client() client: ClientInfo) {
    return this.auth.requestEmailVerification(dto, client);
  }

  @Post('email/verify/confirm')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Confirm an email address with the emailed token; signs in. A sign-up’s link makes the account, given the password chosen at sign-up (409 when its address or username became an account’s meanwhile: register again); an account unverified from before takes its password too.',
    tags,
    responses: { 200: AuthTokensSchema, 202: MfaChallengeSchema },
    errors: [
      'INVALID_OR_EXPIRED_TOKEN',
      'REGISTRATION_PASSWORD_REQUIRED',
      'REGISTRATION_PASSWORD_WRONG',
      'ACCOUNT_LOCKED',
      'ACCOUNT_DISABLED',
      'SIGN_IN_INTERRUPTED',
      'EMAIL_TAKEN',
      'USERNAME_TAKEN',
      'RATE_LIMITED',
    ],
  })
  async confirmVerification(
    @ValidBody(EmailVerificationConfirmSchema) dto: EmailVerificationConfirmDto,
    @ValidQuery(TokenDeliverySchema) delivery: TokenDelivery,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.cookies.deliverSignIn(await this.auth.confirmEmailVerification(dto, client), delivery, reply);
  }

  @Post('password/forgot')
  @Public()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Email a reset link (always 202).',
    tags,
    responses: { 202: null },
    errors: ['RATE_LIMITED'],
  })
  forgotPassword(@ValidBody(EmailOnlySchema) dto: EmailOnlyDto, @Client() client: ClientInfo) {
    return this.auth.forgotPassword(dto, client);
  }

  @Post('password/reset')
  @Public()
  @HttpCode(204)
  @ApiOperation({
    summary: 'Set a new password with the emailed token; signs out every session and unlocks the account.',
    tags,
    responses: { 204: null },
    errors: ['INVALID_OR_EXPIRED_TOKEN', 'PASSWORD_TOO_COMMON', 'RATE_LIMITED'],
  })
  resetPassword(@ValidBody(PasswordResetSchema) dto: PasswordResetDto, @Client() client: ClientInfo) {
    return this.auth.resetPassword(dto, client);
  }

  @Post('password/change')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Change the password; signs out the other sessions.',
    tags,
    responses: { 204: null },
    errors: [
      'CURRENT_PASSWORD_INCORRECT',
      'CONFIRMATION_INTERRUPTED',
      'ACCOUNT_LOCKED',
      'RATE_LIMITED',
      'PASSWORD_TOO_COMMON',
    ],
  })
  changePassword(
    @CurrentUser() user: UserAuth,
    @ValidBody(PasswordChangeSchema) dto: PasswordChangeDto,
    @Client() client: ClientInfo,
  ) {
    return this.auth.changePassword(user, dto, client);
  }

  @Post('password/set')
  @HttpCode(204)
  @ApiOperation({
    summary:
      'Give an account made by email code its first password, confirmed with a code from POST /auth/reauthentication/code.',
    tags,
    responses: { 204: null },
    errors: [
      'ACCOUNT_HAS_PASSWORD',
      'INVALID_CODE',
      'ACCOUNT_LOCKED',
      'CONFIRMATION_INTERRUPTED',
      'RATE_LIMITED',
      'PASSWORD_TOO_COMMON',
    ],
  })
  setPassword(
    @CurrentUser() user: UserAuth,
    @ValidBody(PasswordSetSchema) dto: PasswordSetDto,
    @Client() client: ClientInfo,
  ) {
    return this.auth.setPassword(user, dto, client);
  }

  @Post('reauthentication/code')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Email the signed-in owner of an account without a password a 6-digit code to confirm a sensitive change with (valid 10 minutes).',
    tags,
    responses: { 202: null },
    errors: ['ACCOUNT_HAS_PASSWORD', 'RATE_LIMITED'],
  })
  sendReauthenticationCode(@CurrentUser() user: UserAuth) {
    return this.auth.sendReauthenticationCode(user);
  }

  @Post('email-code/start')
  @Public()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Email a 6-digit sign-in code valid 10 minutes (always 202).',
    tags,
    responses: { 202: null },
    errors: ['RATE_LIMITED'],
  })
  startEmailCode(@ValidBody(EmailOnlySchema) dto: EmailOnlyDto, @Client() client: ClientInfo) {
    return this.auth.startEmailCode(dto, client);
  }

  @Post('email-code/verify')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Sign in with the emailed code (5 attempts).',
    tags,
    responses: { 200: AuthTokensSchema, 202: MfaChallengeSchema },
    errors: ['INVALID_CODE', 'ACCOUNT_DISABLED', 'RATE_LIMITED', 'SIGN_IN_INTERRUPTED'],
  })
  async verifyEmailCode(
    @ValidBody(EmailCodeVerifySchema) dto: EmailCodeVerifyDto,
    @ValidQuery(TokenDeliverySchema) delivery: TokenDelivery,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.cookies.deliverSignIn(await this.auth.verifyEmailCode(dto, client), delivery, reply);
  }
}
