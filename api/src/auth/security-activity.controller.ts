import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ValidQuery } from '../common/openapi/api-docs.decorators.js';
import { CurrentUser } from './auth.decorators.js';
import type { UserAuth } from './auth-context.js';
import {
  SecurityActivityPageSchema,
  type SecurityActivityQuery,
  SecurityActivityQuerySchema,
} from './security-activity.dto.js';
import { SecurityActivityService } from './security-activity.service.js';

@Controller('auth')
export class SecurityActivityController {
  constructor(@Inject(SecurityActivityService) private readonly activity: SecurityActivityService) {}

  @Get('activity')
  @ApiOperation({
    summary:
      "The account's security activity, newest first: sign-ins, failed attempts, and changes to its password, address, two-step sign-in, passkeys and API keys; cursor pagination.",
    tags: ['auth'],
    responses: { 200: SecurityActivityPageSchema },
    errors: ['VALIDATION_FAILED'],
  })
  list(@CurrentUser() user: UserAuth, @ValidQuery(SecurityActivityQuerySchema) query: SecurityActivityQuery) {
    return this.activity.list(user, query);
  }
}
