import { Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiOperation, ValidBody } from '../common/openapi/api-docs.decorators.js';
import { Client, CurrentUser, Public } from './auth.decorators.js';
import {
  type EmailChangeDto,
  EmailChangeSchema,
  REAUTHENTICATION_ERRORS,
  type TokenDto,
  TokenSchema,
} from './auth.dto.js';
import type { ClientInfo, UserAuth } from './auth-context.js';
import { EmailChangeService } from './email-change.service.js';

const tags = ['auth'];

@Controller('auth/email/change')
export class EmailChangeController {
  constructor(@Inject(EmailChangeService) private readonly emailChange: EmailChangeService) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Change your sign-in address (confirm with your password, or an emailed code): mails a link to the new address; 202 whether or not it is free.',
    tags,
    responses: { 202: null },
    errors: [...REAUTHENTICATION_ERRORS, 'VALIDATION_FAILED'],
  })
  request(
    @CurrentUser() user: UserAuth,
    @ValidBody(EmailChangeSchema) dto: EmailChangeDto,
    @Client() client: ClientInfo,
  ) {
    return this.emailChange.request(user, dto, client);
  }

  @Post('confirm')
  @Public()
  @HttpCode(204)
  @ApiOperation({
    summary: 'Confirm a new sign-in address with the token mailed to it.',
    tags,
    responses: { 204: null },
    errors: ['INVALID_OR_EXPIRED_TOKEN', 'EMAIL_TAKEN', 'ACCOUNT_DISABLED', 'RATE_LIMITED'],
  })
  confirm(@ValidBody(TokenSchema) dto: TokenDto, @Client() client: ClientInfo) {
    return this.emailChange.confirm(dto, client);
  }
}
