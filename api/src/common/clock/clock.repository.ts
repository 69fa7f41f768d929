import { Injectable } from '@nestjs/common';

/** The current time, behind a repository so services can be tested at any instant. */
@Injectable()
export class ClockRepository {
  now(): Date {
    return new Date();
  }
}
