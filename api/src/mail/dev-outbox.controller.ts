import { Controller, Get, Inject } from '@nestjs/common';
import { Public } from '../auth/auth.decorators.js';
import { ApiOperation, ValidQuery } from '../common/openapi/api-docs.decorators.js';
import { type DtoType, dto } from '../common/validation/dto-schema.js';
import { OutboxMailRepository } from './outbox-mail.repository.js';

const OutboxQuerySchema = dto((z) =>
  z.object({
    to: z.string().trim().toLowerCase().max(320).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  }),
);

/** Registered only when NODE_ENV=development: lets you read the mail the outbox driver kept. */
@Controller('dev/outbox')
export class DevOutboxController {
  constructor(@Inject(OutboxMailRepository) private readonly outbox: OutboxMailRepository) {}

  @Get()
  @Public()
  @ApiOperation({
    summary: 'Development only: mail kept by the outbox driver, newest first.',
    tags: ['dev'],
    responses: {},
  })
  list(@ValidQuery(OutboxQuerySchema) query: DtoType<typeof OutboxQuerySchema>) {
    return this.outbox.list(query.to, query.limit);
  }
}
