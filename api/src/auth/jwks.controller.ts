import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOperation } from '../common/openapi/api-docs.decorators.js';
import { Public } from './auth.decorators.js';
import { JwksSchema } from './auth.dto.js';
import { JwtRepository } from './jwt.repository.js';

@Controller('.well-known')
export class JwksController {
  constructor(@Inject(JwtRepository) private readonly jwt: JwtRepository) {}

  @Get('jwks.json')
  @Public()
  @Header('cache-control', 'public, max-age=300')
  @ApiOperation({
    summary: 'Public keys (current and previous) that verify access tokens; empty under HS256.',
    tags: ['auth'],
    responses: { 200: JwksSchema },
  })
  jwks() {
    return this.jwt.jwks();
  }
}
