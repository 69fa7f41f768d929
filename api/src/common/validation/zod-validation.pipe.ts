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
/**
 * Deepest nesting a request may carry. The DTOs nest a few levels; fields typed `unknown` (a
 * passkey's `clientExtensionResults`) take any JSON, and 20,000 levels overflowed the recursive
 * walk here with a 500 after seconds of CPU (found in review, 2026-12-07).
 */
const MAX_DEPTH = 32;

interface Visit {
  readonly value: unknown;
  readonly depth: number;
  /** The key under the parent, and the parent: the path is built only for what is reported. */
  readonly key?: string;
  readonly parent?: Visit;
}

/** The first string (or object key) no database can store as it is, with why; undefined if none. */
function unstorableString(root: unknown): { readonly path: string[]; readonly message: string } | undefined {
  // Iterative, children pushed last-first so they are visited in order.
  const pending: Visit[] = [{ value: root, depth: 0 }];
  for (let visit = pending.pop(); visit !== undefined; visit = pending.pop()) {
    const problem =
      (visit.key !== undefined && stringProblem(visit.key)) ||
      (typeof visit.value === 'string' && stringProblem(visit.value)) ||
      (visit.depth > MAX_DEPTH && `must not nest deeper than ${MAX_DEPTH} levels`);
    if (problem) return { path: pathOf(visit), message: problem };
    if (visit.value === null || typeof visit.value !== 'object') continue;
    const entries = Object.entries(visit.value);
    for (let index = entries.length - 1; index >= 0; index--) {
      const [key, value] = entries[index] as [string, unknown];
      pending.push({ value, key, parent: visit, depth: visit.depth + 1 });
    }
  }
  return undefined;
}

function stringProblem(value: string): string | undefined {
  if (value.includes('\u0000')) return 'must not contain the NUL character (U+0000)';
  if (LONE_SURROGATE.test(value)) return 'must be valid Unicode (it holds a lone UTF-16 surrogate)';
  return undefined;
}

function pathOf(visit: Visit): string[] {
  const path: string[] = [];
  for (let at: Visit | undefined = visit; at?.key !== undefined; at = at.parent) path.unshift(at.key);
  return path;
}
