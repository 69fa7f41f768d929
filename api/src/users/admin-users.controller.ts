import { Controller, Get, Inject, Patch } from '@nestjs/common';
import { CurrentUser, RequireRole } from '../auth/auth.decorators.js';
import { REAUTHENTICATION_ERRORS } from '../auth/auth.dto.js';
import type { UserAuth } from '../auth/auth-context.js';
import {
  SecurityActivityPageSchema,
  type SecurityActivityQuery,
  SecurityActivityQuerySchema,
} from '../auth/security-activity.dto.js';
import { ApiOperation, ValidBody, ValidParams, ValidQuery } from '../common/openapi/api-docs.decorators.js';
import { type IdParams, IdParamsSchema } from '../common/validation/id-params.dto.js';
import {
  AdminUserSchema,
  AdminUsersPageSchema,
  type AdminUsersQuery,
  AdminUsersQuerySchema,
  type AdminUserUpdateDto,
  AdminUserUpdateSchema,
} from './users.dto.js';
import { UsersService } from './users.service.js';

const tags = ['admin'];

@Controller('admin/users')
@RequireRole('admin')
export class AdminUsersController {
  constructor(@Inject(UsersService) private readonly users: UsersService) {}

  @Get()
  @ApiOperation({
    summary: 'Users, newest first, searched by email or username prefix; cursor pagination.',
    tags,
    responses: { 200: AdminUsersPageSchema },
    errors: ['FORBIDDEN', 'VALIDATION_FAILED'],
  })
  list(@ValidQuery(AdminUsersQuerySchema) query: AdminUsersQuery) {
    return this.users.list(query);
  }

  @Get(':id/activity')
  @ApiOperation({
    summary:
      "A user's security activity, newest first (what they see at GET /auth/activity); cursor pagination.",
    tags,
    responses: { 200: SecurityActivityPageSchema },
    errors: ['FORBIDDEN', 'USER_NOT_FOUND', 'VALIDATION_FAILED'],
  })
  activity(
    @ValidParams(IdParamsSchema) params: IdParams,
    @ValidQuery(SecurityActivityQuerySchema) query: SecurityActivityQuery,
  ) {
    return this.users.adminActivity(params.id, query);
  }

  @Patch(':id')
  @ApiOperation({
    summary:
      "Change a user's role, disable them, or turn their two-step sign-in off; each signs them out everywhere at once. Granting admin, enabling a disabled admin and turning two-step sign-in off take your password (or an emailed code).",
    tags,
    responses: { 200: AdminUserSchema },
    errors: [
      'FORBIDDEN',
      'USER_NOT_FOUND',
      'ADMIN_SELF_CHANGE',
      ...REAUTHENTICATION_ERRORS,
      'VALIDATION_FAILED',
    ],
  })
  update(
    @CurrentUser() admin: UserAuth,
    @ValidParams(IdParamsSchema) params: IdParams,
    @ValidBody(AdminUserUpdateSchema) dto: AdminUserUpdateDto,
  ) {
    return this.users.adminUpdate(admin, params.id, dto);
  }
}
