import { Inject, Injectable } from '@nestjs/common';
import type { Readiness } from './health.dto.js';
import { HealthRepository } from './health.repository.js';

/** Readiness waits at most this long for the database, so a load balancer never hangs on us. */
const READINESS_TIMEOUT_MS = 2000;

@Injectable()
export class HealthService {
  constructor(@Inject(HealthRepository) private readonly health: HealthRepository) {}

  liveness(): { status: 'ok' } {
    return { status: 'ok' };
  }

  async readiness(): Promise<Readiness> {
    const up = await this.health.pingDatabase(READINESS_TIMEOUT_MS);
    return { status: up ? 'ok' : 'error', checks: { database: up ? 'up' : 'down' } };
  }
}
