import { Injectable } from '@nestjs/common';

/** The current time and timers, behind a repository so services can be tested at any instant. */
@Injectable()
export class ClockRepository {
  now(): Date {
    return new Date();
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}
