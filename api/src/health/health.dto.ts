import { type DtoType, dto } from '../common/validation/dto-schema.js';

// Schemas are DTO definitions, built on first use rather than at import (why: auth.dto.ts).

export const LivenessSchema = dto((z) => z.object({ status: z.literal('ok') }).meta({ id: 'Liveness' }));

export const ReadinessSchema = dto((z) =>
  z.object({
    status: z.enum(['ok', 'error']),
    checks: z.object({ database: z.enum(['up', 'down']) }),
  }),
);

export type Readiness = DtoType<typeof ReadinessSchema>;
