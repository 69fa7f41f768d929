import type { PipeTransform } from '@nestjs/common';
import type { ZodType } from 'zod';
import { AppError } from '../errors/app-error.js';

/** Where a validated value came from; prefixes issue paths so clients know which part was wrong. */
export type RequestPart = 'body' | 'query' | 'params';

/** Validates one part of the request against a zod schema and returns the parsed value. */
export class ZodValidationPipe<T> implements PipeTransform<unknown, T> {
  constructor(
    private readonly schema: ZodType<T>,
    private readonly part: RequestPart,
  ) {}

  transform(value: unknown): T {
    const result = this.schema.safeParse(value);
    if (result.success) return result.data;
    const issues = result.error.issues.map((issue) => ({
      path: [this.part, ...issue.path.map(String)].join('.'),
      message: issue.message,
    }));
    const first = issues[0];
    const message = first ? `${first.path}: ${first.message}` : `The request ${this.part} is invalid.`;
    throw new AppError('VALIDATION_FAILED', message, { issues });
  }
}
