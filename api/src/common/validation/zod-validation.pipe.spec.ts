import { beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../errors/app-error.js';
import { dto } from './dto-schema.js';
import { ZodValidationPipe } from './zod-validation.pipe.js';

const TagsSchema = dto((z) => z.object({ name: z.string(), tags: z.array(z.string()) }));

describe('ZodValidationPipe', () => {
  const pipe = new ZodValidationPipe(TagsSchema, 'body');
  beforeAll(async () => {
    await pipe.transform({ name: 'warm', tags: [] });
  });

  it('returns the parsed value', () => {
    expect(pipe.transform({ name: 'ok', tags: ['a'] })).toEqual({ name: 'ok', tags: ['a'] });
  });

  it('waits for the schema on its first use, then validates synchronously', async () => {
    const fresh = new ZodValidationPipe(TagsSchema, 'query');
    const first = fresh.transform({ name: 'first', tags: [] });
    expect(first).toBeInstanceOf(Promise);
    await expect(first).resolves.toEqual({ name: 'first', tags: [] });
    expect(fresh.transform({ name: 'second', tags: [] })).toEqual({ name: 'second', tags: [] });
  });

  it('refuses a violation on the first use too (as a rejected promise)', async () => {
    await expect(new ZodValidationPipe(TagsSchema, 'params').transform({ name: 2 })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('params.name'),
    });
  });

  it('refuses schema violations with VALIDATION_FAILED and the path', () => {
    const error = catchError(() => pipe.transform({ name: 1, tags: [] }));
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('body.name') });
  });

  it('says a missing body is missing, rather than "expected object"', async () => {
    expect(catchError(() => pipe.transform(undefined))).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'body: send a JSON body (Content-Type: application/json)',
    });
    // Regression: a schema that allows no body (cookie-mode refresh) still gets undefined through.
    const optional = new ZodValidationPipe(
      dto((z) => z.object({ token: z.string() }).optional()),
      'body',
    );
    await expect(optional.transform(undefined)).resolves.toBeUndefined();
    // Only for bodies: an absent query string is the schema's business.
    await expect(new ZodValidationPipe(TagsSchema, 'query').transform(undefined)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.not.stringContaining('send a JSON body'),
    });
  });

  // Regression: PostgreSQL refuses U+0000 in text, which surfaced as a 500 (POST /auth/api-keys).
  it('refuses the NUL character anywhere in the value, including nested strings', () => {
    expect(catchError(() => pipe.transform({ name: 'a\u0000b', tags: [] }))).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'body.name: must not contain the NUL character (U+0000)',
    });
    expect(catchError(() => pipe.transform({ name: 'ok', tags: ['x', '\u0000'] }))).toMatchObject({
      message: expect.stringContaining('body.tags.1'),
    });
  });

  // In a field that takes any JSON (a passkey's clientExtensionResults) the client chooses the keys
  // as freely as the values: the guarantee that nothing unstorable gets past the pipe covers both.
  it('refuses the NUL character in an object key, nested too, as it does in a value', async () => {
    const AnySchema = dto((z) => z.object({ extensions: z.record(z.string(), z.unknown()) }));
    const anyPipe = new ZodValidationPipe(AnySchema, 'body');
    await expect(anyPipe.transform({ extensions: { a: { key: 'value' } } })).resolves.toEqual({
      extensions: { a: { key: 'value' } },
    });
    expect(
      catchError(() => anyPipe.transform({ extensions: { a: { 'k\u0000ey': 'value' } } })),
    ).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'body.extensions.a.k\u0000ey: must not contain the NUL character (U+0000)',
    });
    expect(catchError(() => anyPipe.transform({ extensions: { '\u0000': 1 } }))).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'body.extensions.\u0000: must not contain the NUL character (U+0000)',
    });
  });

  // Regression: UTF-8 cannot encode a lone surrogate; pg stored U+FFFD in its place, silently.
  it('refuses a lone UTF-16 surrogate, and keeps characters outside the BMP (surrogate pairs)', () => {
    expect(catchError(() => pipe.transform({ name: 'a\ud800', tags: [] }))).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'body.name: must be valid Unicode (it holds a lone UTF-16 surrogate)',
    });
    expect(catchError(() => pipe.transform({ name: 'ok', tags: ['\udc00x'] }))).toMatchObject({
      message: expect.stringContaining('body.tags.0'),
    });
    expect(pipe.transform({ name: 'emoji 😀 and 𝄞', tags: [] })).toEqual({
      name: 'emoji 😀 and 𝄞',
      tags: [],
    });
  });

  // Found in review (2026-12-07): a field that takes any JSON (a passkey's clientExtensionResults)
  // carried 20,000 levels into the recursive check here: a stack overflow, a 500 after seconds.
  it('refuses nesting past 32 levels in a field that takes any JSON, and walks no further', async () => {
    const AnySchema = dto((z) => z.object({ extensions: z.record(z.string(), z.unknown()) }));
    const anyPipe = new ZodValidationPipe(AnySchema, 'body');
    const nested = (depth: number): unknown => {
      let value: unknown = 'leaf';
      for (let level = 0; level < depth; level++) value = [value];
      return value;
    };
    await expect(anyPipe.transform({ extensions: { x: nested(30) } })).resolves.toBeDefined();
    for (const depth of [40, 20_000]) {
      expect(catchError(() => anyPipe.transform({ extensions: { x: nested(depth) } }))).toMatchObject({
        code: 'VALIDATION_FAILED',
        message: `body.extensions.x.${Array(31).fill('0').join('.')}: must not nest deeper than 32 levels`,
      });
    }
    // The path of a reported string is still the one it was found at.
    expect(
      catchError(() => anyPipe.transform({ extensions: { a: { b: ['ok', 'bad\u0000'] } } })),
    ).toMatchObject({
      message: 'body.extensions.a.b.1: must not contain the NUL character (U+0000)',
    });
  });
});

function catchError(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
