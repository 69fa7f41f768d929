import * as z from 'zod';

// Schemas are z.lazy, built on first use rather than at import (why: auth.dto.ts).

export const LivenessSchema = z.lazy(() => z.object({ status: z.literal('ok') }).meta({ id: 'Liveness' }));

export const ReadinessSchema = z.lazy(() =>
  z.object({
    status: z.enum(['ok', 'error']),
    checks: z.object({ database: z.enum(['up', 'down']) }),
  }),
);

export type Readiness = z.infer<typeof ReadinessSchema>;
