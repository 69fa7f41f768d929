import type * as Zod from 'zod';
import type * as ZodForDtos from './zod-for-dtos.js';

/** The zod functions a DTO definition receives (zod-for-dtos.ts). */
export type ZodModule = typeof ZodForDtos;

let zodModule: ZodModule | undefined;
let zodLoading: Promise<ZodModule> | undefined;

/**
 * Loads zod once. Nothing imports zod statically on the way to the first request, so the bundles
 * keep it in a chunk of its own that a Lambda's Init never reads: compiling and evaluating zod
 * was ~15–30 ms of every cold start (docs/lambda.md). The first request that validates something
 * (or the OpenAPI document) loads it; the HTTP server loads it before it listens.
 */
export function loadZod(): Promise<ZodModule> {
  zodLoading ??= import('./zod-for-dtos.js').then(
    (module) => {
      zodModule = module;
      return module;
    },
    (error: unknown) => {
      // A failed load (say, too many open files) is retried by the next request, not kept.
      zodLoading = undefined;
      throw error;
    },
  );
  return zodLoading;
}

/**
 * A DTO: one zod schema (type, validation and OpenAPI), defined by a function of the zod module
 * and built on first use. Definitions refer to other DTOs through `.zod`, which is safe there
 * because a definition only runs once zod is loaded.
 */
export class DtoSchema<T extends Zod.ZodType = Zod.ZodType> {
  private built: T | undefined;

  constructor(private readonly define: (z: ZodModule) => T) {}

  /** The schema, built now if need be. Throws before `loadZod()` has resolved (a programming error). */
  get zod(): T {
    if (this.built) return this.built;
    if (!zodModule) throw new Error('zod is not loaded yet: await loadZod() or DtoSchema.load() first.');
    this.built = this.define(zodModule);
    return this.built;
  }

  /** The schema, once zod is loaded; what code that may run first (a pipe, the docs) calls. */
  load(): Promise<T> {
    return this.built ? Promise.resolve(this.built) : loadZod().then(() => this.zod);
  }
}

/** Defines a DTO schema; `define` runs on the schema's first use, not when its module is imported. */
export function dto<T extends Zod.ZodType>(define: (z: ZodModule) => T): DtoSchema<T> {
  return new DtoSchema(define);
}

/** The parsed (output) type of a DTO schema, as `z.infer` gives it for a zod schema. */
export type DtoType<S extends DtoSchema> = S extends DtoSchema<infer T> ? Zod.output<T> : never;
