import { Controller, Delete, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiOperation, ValidBody, ValidParams } from '../common/openapi/api-docs.decorators.js';
import { type IdParams, IdParamsSchema } from '../common/validation/id-params.dto.js';
import { ApiKeysService } from './api-keys.service.js';
import { Client, CurrentUser } from './auth.decorators.js';
import {
  type ApiKeyCreateDto,
  ApiKeyCreateSchema,
  ApiKeyListSchema,
  CreatedApiKeySchema,
  REAUTHENTICATION_ERRORS,
} from './auth.dto.js';
import type { ClientInfo, UserAuth } from './auth-context.js';

const tags = ['api-keys'];

@Controller('auth/api-keys')
export class ApiKeysController {
  constructor(@Inject(ApiKeysService) private readonly apiKeys: ApiKeysService) {}

  @Post()
  @ApiOperation({
    summary:
      'Create an API key (confirm with your password, or an emailed code); the key is shown only in this response.',
    tags,
    responses: { 201: CreatedApiKeySchema },
    errors: [...REAUTHENTICATION_ERRORS],
  })
  create(
    @CurrentUser() user: UserAuth,
    @ValidBody(ApiKeyCreateSchema) dto: ApiKeyCreateDto,
    @Client() client: ClientInfo,
  ) {
    return this.apiKeys.create(user, dto, client);
  }

  @Get()
  @ApiOperation({
    summary: 'Active API keys (without the keys).',
    tags,
    responses: { 200: ApiKeyListSchema },
  })
  list(@CurrentUser() user: UserAuth) {
    return this.apiKeys.list(user);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Revoke an API key.',
    tags,
    responses: { 204: null },
    errors: ['API_KEY_NOT_FOUND'],
  })
  revoke(
    @CurrentUser() user: UserAuth,
    @ValidParams(IdParamsSchema) params: IdParams,
    @Client() client: ClientInfo,
  ) {
    return this.apiKeys.revoke(user, params.id, client);
  }
}
