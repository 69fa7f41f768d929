import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiKeyExempt, Public } from '../auth/auth.decorators.js';
import { ApiOperation } from '../common/openapi/api-docs.decorators.js';
import { LivenessSchema, type Readiness, ReadinessSchema } from './health.dto.js';
import { HealthService } from './health.service.js';

@Controller('health')
@Public()
@ApiKeyExempt()
export class HealthController {
  constructor(@Inject(HealthService) private readonly service: HealthService) {}

  @Get()
  @ApiOperation({
    summary: 'Liveness: the process answers (no I/O).',
    tags: ['health'],
    responses: { 200: LivenessSchema },
  })
  liveness() {
    return this.service.liveness();
  }

  @Get('ready')
  @ApiOperation({
    summary: 'Readiness: the database answers `select 1` within 2 s.',
    tags: ['health'],
    responses: { 200: ReadinessSchema, 503: ReadinessSchema },
  })
  async readiness(@Res({ passthrough: true }) reply: FastifyReply): Promise<Readiness> {
    const readiness = await this.service.readiness();
    reply.status(readiness.status === 'ok' ? 200 : 503);
    return readiness;
  }
}
