import * as z from 'zod';

export const LivenessSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Liveness' });

export const ReadinessSchema = z.object({
  status: z.enum(['ok', 'error']),
  checks: z.object({ database: z.enum(['up', 'down']) }),
});

export type Readiness = z.infer<typeof ReadinessSchema>;
