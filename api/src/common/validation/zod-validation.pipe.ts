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
      // No body where one is needed (easy to forget on a DELETE that takes one): say that rather
      // than "expected object". Some bodies are optional (cookie-mode refresh), so only on failure.
      if (value === undefined && this.part === 'body') {
        throw this.failure([{ path: 'body', message: 'send a JSON body (Content-Type: application/json)' }]);
      }
      throw this.failure(
        result.error.issues.map((issue) => ({
          path: [this.part, ...issue.path.map(String)].join('.'),
          message: issue.message,
        })),
      );
    }
    // Strings the databases cannot store as sent are refused here, once, for every route: U+0000
    // (PostgreSQL text cannot hold it; the query failed with a 500, found by the fuzzer), and a
    // lone UTF-16 surrogate, which UTF-8 cannot encode: the driver stored U+FFFD instead, so the
    // value read back was not the one the client was told it saved.
    const unstorable = unstorableString(result.data);
    if (unstorable) {
      throw this.failure([{ path: [this.part, ...unstorable.path].join('.'), message: unstorable.message }]);
    }
    return result.data;
  }

  private failure(issues: readonly Issue[]): AppError {
    const first = issues[0];
    const message = first ? `${first.path}: ${first.message}` : `The request ${this.part} is invalid.`;
    return new AppError('VALIDATION_FAILED', message, { issues });
  }
}

const LONE_SURROGATE = /\p{Cs}/u;

/** The first string (or object key) no database can store as it is, with why; undefined if none. */
function unstorableString(
  value: unknown,
  path: string[] = [],
): { readonly path: string[]; readonly message: string } | undefined {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) return { path, message: 'must not contain the NUL character (U+0000)' };
    if (LONE_SURROGATE.test(value)) {
      return { path, message: 'must be valid Unicode (it holds a lone UTF-16 surrogate)' };
    }
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, item] of Object.entries(value)) {
    const found = unstorableString(key, [...path, key]) ?? unstorableString(item, [...path, key]);
    if (found) return found;
  }
  return undefined;
}
