import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import type { DtoType, ZodModule } from './dto-schema.js';

// Each test imports a fresh copy of the module, so "zod not loaded yet" is a real starting state.
async function freshModule() {
  vi.resetModules();
  return import('./dto-schema.js');
}

describe('dto()', () => {
  it('does not build the schema (or need zod) until it is used', async () => {
    const { dto } = await freshModule();
    const define = vi.fn((z: ZodModule) => z.string());
    dto(define);
    expect(define).not.toHaveBeenCalled();
  });

  it('refuses synchronous access before zod is loaded, and allows it after', async () => {
    const { dto, loadZod } = await freshModule();
    const Name = dto((z) => z.string().min(2));
    expect(() => Name.zod).toThrow(/zod is not loaded yet/);
    await loadZod();
    expect(Name.zod.safeParse('ab').success).toBe(true);
    expect(Name.zod.safeParse('a').success).toBe(false);
  });

  it('builds once: load() and .zod give the same schema every time', async () => {
    const { dto } = await freshModule();
    const define = vi.fn((z: ZodModule) => z.object({ id: z.uuid() }));
    const Id = dto(define);
    const loaded = await Id.load();
    expect(await Id.load()).toBe(loaded);
    expect(Id.zod).toBe(loaded);
    expect(define).toHaveBeenCalledTimes(1);
  });

  it('lets a definition use another DTO through .zod', async () => {
    const { dto } = await freshModule();
    const Email = dto((z) => z.string().trim().toLowerCase().pipe(z.email()));
    const Login = dto((z) => z.object({ email: Email.zod, password: z.string() }).strict());
    const schema = await Login.load();
    expect(schema.parse({ email: ' A@Example.com ', password: 'x' })).toEqual({
      email: 'a@example.com',
      password: 'x',
    });
    expect(schema.safeParse({ email: 'not-an-email', password: 'x' }).success).toBe(false);
    expectTypeOf<DtoType<typeof Login>>().toEqualTypeOf<{ email: string; password: string }>();
  });

  it('retries a failed load of zod on the next call instead of keeping the failure', async () => {
    vi.doMock('./zod-for-dtos.js', () => {
      throw new Error('EMFILE: too many open files');
    });
    const { dto, loadZod } = await freshModule();
    const Name = dto((z) => z.string());
    await expect(Name.load()).rejects.toThrow();
    vi.doUnmock('./zod-for-dtos.js');
    await expect(loadZod()).resolves.toHaveProperty('string');
    expect(Name.zod.parse('ok')).toBe('ok');
  });
});
