import type { PipeTransform } from '@nestjs/common';
import type { ZodType } from 'zod';
import { AppError } from '../errors/app-error.js';
import type { DtoSchema } from './dto-schema.js';

/** Where a validated value came from; prefixes issue paths so clients know which part was wrong. */
export type RequestPart = 'body' | 'query' | 'params';

interface Issue {
  readonly path: string;
  readonly message: string;
}

/** Validates one part of the request against a DTO schema and returns the parsed value. */
export class ZodValidationPipe<T> implements PipeTransform<unknown, T | Promise<T>> {
  private schema: ZodType<T> | undefined;

  constructor(
    private readonly dto: DtoSchema<ZodType<T>>,
    private readonly part: RequestPart,
  ) {}

  transform(value: unknown): T | Promise<T> {
    // The first request through this pipe waits for zod and the schema (kept out of a Lambda's
    // Init, see dto-schema.ts); every later one validates synchronously. Nest awaits either.
    if (this.schema) return this.validate(this.schema, value);
    return this.dto.load().then((schema) => {
      this.schema = schema;
      return this.validate(schema, value);
    });
  }

  private validate(schema: ZodType<T>, value: unknown): T {
    const result = schema.safeParse(value);
    if (!result.success) {
      throw this.failure(
        result.error.issues.map((issue) => ({
          path: [this.part, ...issue.path.map(String)].join('.'),
          message: issue.message,
        })),
      );
    }
    // PostgreSQL text cannot hold U+0000: such a value would fail its query with a 500. No field
    // has a use for it, so it is refused here, once, for every route (found by the fuzzer).
    const nulAt = pathToNulCharacter(result.data);
    if (nulAt) {
      throw this.failure([
        { path: [this.part, ...nulAt].join('.'), message: 'must not contain the NUL character (U+0000)' },
      ]);
    }
    return result.data;
  }

  private failure(issues: readonly Issue[]): AppError {
    const first = issues[0];
    const message = first ? `${first.path}: ${first.message}` : `The request ${this.part} is invalid.`;
    return new AppError('VALIDATION_FAILED', message, { issues });
  }
}

/** The path to the first string (or object key) containing U+0000, if any. */
function pathToNulCharacter(value: unknown, path: string[] = []): string[] | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, item] of Object.entries(value)) {
    if (key.includes('\u0000')) return [...path, key];
    const found = pathToNulCharacter(item, [...path, key]);
    if (found) return found;
  }
  return undefined;
}
