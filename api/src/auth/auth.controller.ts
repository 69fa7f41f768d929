import { Controller, Delete, Get, HttpCode, Inject, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiOperation, ValidBody, ValidParams } from '../common/openapi/api-docs.decorators.js';
import { Client, CurrentUser, Public } from './auth.decorators.js';
import {
  AuthTokensSchema,
  type EmailCodeVerifyDto,
  EmailCodeVerifySchema,
  type EmailOnlyDto,
  EmailOnlySchema,
  type IdParams,
  IdParamsSchema,
  type LoginDto,
  LoginSchema,
  type PasswordChangeDto,
  PasswordChangeSchema,
  type PasswordResetDto,
  PasswordResetSchema,
  type RefreshDto,
  RefreshSchema,
  type RegisterDto,
  RegisterSchema,
  SessionSchema,
  StatusSchema,
  type TokenDto,
  TokenSchema,
  UserSchema,
} from './auth.dto.js';
import { AuthService } from './auth.service.js';
import type { ClientInfo, UserAuth } from './auth-context.js';

const tags = ['auth'];

@Controller('auth')
export class AuthController {
  constructor(@Inject(AuthService) private readonly auth: AuthService) {}

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
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const result = await this.auth.register(dto, client);
    reply.status(result.status);
    return result.body;
  }

  @Post('login')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Sign in with email or username and password.',
    tags,
    responses: { 200: AuthTokensSchema },
    errors: ['INVALID_CREDENTIALS', 'EMAIL_NOT_VERIFIED', 'ACCOUNT_DISABLED', 'RATE_LIMITED'],
  })
  login(@ValidBody(LoginSchema) dto: LoginDto, @Client() client: ClientInfo) {
    return this.auth.login(dto, client);
  }

  @Post('refresh')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Exchange a refresh token for a new pair (single use; reuse revokes the session).',
    tags,
    responses: { 200: AuthTokensSchema },
    errors: ['INVALID_REFRESH_TOKEN', 'REFRESH_TOKEN_REUSED', 'RATE_LIMITED'],
  })
  refresh(@ValidBody(RefreshSchema) dto: RefreshDto) {
    return this.auth.refresh(dto);
  }

  @Post('logout')
  @HttpCode(204)
  @ApiOperation({ summary: 'Sign out the current session.', tags, auth: 'bearer', responses: { 204: null } })
  logout(@CurrentUser() user: UserAuth) {
    return this.auth.logout(user);
  }

  @Post('logout-all')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Sign out every session of the account.',
    tags,
    auth: 'bearer',
    responses: { 204: null },
  })
  logoutAll(@CurrentUser() user: UserAuth) {
    return this.auth.logoutAll(user);
  }

  @Get('me')
  @ApiOperation({ summary: 'The signed-in account.', tags, auth: 'bearer', responses: { 200: UserSchema } })
  me(@CurrentUser() user: UserAuth) {
    return this.auth.me(user);
  }

  @Get('sessions')
  @ApiOperation({
    summary: 'Active sessions of the account.',
    tags,
    auth: 'bearer',
    responses: { 200: SessionSchema.array() },
  })
  sessions(@CurrentUser() user: UserAuth) {
    return this.auth.listSessions(user);
  }

  @Delete('sessions/:id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Sign out one session.',
    tags,
    auth: 'bearer',
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
    summary: 'Confirm an email address with the emailed token; signs in.',
    tags,
    responses: { 200: AuthTokensSchema },
    errors: ['INVALID_OR_EXPIRED_TOKEN'],
  })
  confirmVerification(@ValidBody(TokenSchema) dto: TokenDto, @Client() client: ClientInfo) {
    return this.auth.confirmEmailVerification(dto, client);
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
    errors: ['INVALID_OR_EXPIRED_TOKEN', 'PASSWORD_TOO_COMMON'],
  })
  resetPassword(@ValidBody(PasswordResetSchema) dto: PasswordResetDto, @Client() client: ClientInfo) {
    return this.auth.resetPassword(dto, client);
  }

  @Post('password/change')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Change the password; signs out the other sessions.',
    tags,
    auth: 'bearer',
    responses: { 204: null },
    errors: ['CURRENT_PASSWORD_INCORRECT', 'PASSWORD_TOO_COMMON'],
  })
  changePassword(@CurrentUser() user: UserAuth, @ValidBody(PasswordChangeSchema) dto: PasswordChangeDto) {
    return this.auth.changePassword(user, dto);
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
    responses: { 200: AuthTokensSchema },
    errors: ['INVALID_CODE', 'RATE_LIMITED'],
  })
  verifyEmailCode(@ValidBody(EmailCodeVerifySchema) dto: EmailCodeVerifyDto, @Client() client: ClientInfo) {
    return this.auth.verifyEmailCode(dto, client);
  }
}
