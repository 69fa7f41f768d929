import type { FastifyReply } from 'fastify';
import { describe, expect, it, vi } from 'vitest';
import { HealthController } from './health.controller.js';
import type { HealthRepository } from './health.repository.js';
import { HealthService } from './health.service.js';

// A load balancer reads readiness from the status code alone; the body is for people.
function controller(databaseUp: boolean) {
  const repository = { pingDatabase: vi.fn(async () => databaseUp) } as unknown as HealthRepository;
  return new HealthController(new HealthService(repository));
}

describe('GET /health/ready', () => {
  it('answers 503 with the database down, and 200 with it up', async () => {
    for (const [up, status] of [
      [false, 503],
      [true, 200],
    ] as const) {
      const reply = { status: vi.fn() };
      const body = await controller(up).readiness(reply as unknown as FastifyReply);
      expect(reply.status).toHaveBeenCalledWith(status);
      expect(body.status).toBe(up ? 'ok' : 'error');
    }
  });
});
