import { Inject, Injectable } from '@nestjs/common';
import { loadKysely } from '../database/database.factory.js';
import { DATABASE } from '../database/database.module.js';
import type { DatabaseHandle } from '../database/database-handle.js';

/** The I/O behind readiness: can we run a trivial query right now? */
@Injectable()
export class HealthRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  /** Resolves true when `select 1` answers within `timeoutMs`, false otherwise. Never throws. */
  async pingDatabase(timeoutMs: number): Promise<boolean> {
    const db = await this.database.get();
    const { sql } = await loadKysely();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const ping = sql`select 1`
      .execute(db)
      .then(() => true)
      .catch(() => false);
    try {
      return await Promise.race([ping, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
