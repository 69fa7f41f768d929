import { Controller, Delete, Get, HttpCode, Inject, Patch } from '@nestjs/common';
import { AllowApiKey, Client, CurrentUser } from '../auth/auth.decorators.js';
import {
  REAUTHENTICATION_ERRORS,
  type ReauthenticationDto,
  ReauthenticationSchema,
} from '../auth/auth.dto.js';
import type { ClientInfo, UserAuth } from '../auth/auth-context.js';
import { ApiOperation, ValidBody, ValidParams } from '../common/openapi/api-docs.decorators.js';
import { type IdParams, IdParamsSchema } from '../common/validation/id-params.dto.js';
import { MeSchema, PublicProfileSchema, type UpdateMeDto, UpdateMeSchema } from './users.dto.js';
import { UsersService } from './users.service.js';

const tags = ['users'];

@Controller('users')
export class UsersController {
  constructor(@Inject(UsersService) private readonly users: UsersService) {}

  @Get('me')
  @ApiOperation({ summary: 'Your profile.', tags, responses: { 200: MeSchema } })
  me(@CurrentUser() user: UserAuth) {
    return this.users.me(user);
  }

  @Patch('me')
  @ApiOperation({
    summary: 'Change your display name, bio, username or avatar (a completed avatar upload of yours).',
    tags,
    responses: { 200: MeSchema },
    errors: [
      'USERNAME_TAKEN',
      'FILE_NOT_FOUND',
      'FILE_NOT_AN_AVATAR',
      'AVATAR_NOT_READY',
      'VALIDATION_FAILED',
    ],
  })
  updateMe(@CurrentUser() user: UserAuth, @ValidBody(UpdateMeSchema) dto: UpdateMeDto) {
    return this.users.updateMe(user, dto);
  }

  @Delete('me')
  @HttpCode(204)
  @ApiOperation({
    summary:
      'Delete your account (confirm with your password, or an emailed code): signs out everywhere now; personal data and files are erased after 30 days.',
    tags,
    responses: { 204: null },
    errors: [...REAUTHENTICATION_ERRORS, 'LAST_ADMIN'],
  })
  deleteMe(
    @CurrentUser() user: UserAuth,
    @ValidBody(ReauthenticationSchema) proof: ReauthenticationDto,
    @Client() client: ClientInfo,
  ) {
    return this.users.deleteMe(user, proof, client);
  }

  @Get(':id')
  @AllowApiKey('users:read')
  @ApiOperation({
    summary: 'A public profile (never the email).',
    tags,
    responses: { 200: PublicProfileSchema },
    errors: ['USER_NOT_FOUND'],
  })
  profile(@ValidParams(IdParamsSchema) params: IdParams) {
    return this.users.profile(params.id);
  }
}
