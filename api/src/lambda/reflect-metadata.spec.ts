import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createReflectMetadata,
  installReflectMetadata,
  type ReflectMetadataApi,
} from './reflect-metadata.js';

/**
 * A private instance of the `reflect-metadata` package: its source run with a `global` whose
 * Reflect is a fresh object, so it installs there (in this realm, like the code under test) and
 * keeps a registry of its own.
 */
function packageInstance(): ReflectMetadataApi {
  const source = readFileSync(createRequire(import.meta.url).resolve('reflect-metadata/Reflect.js'), 'utf8');
  const target = {};
  new Function('global', 'process', source)({ Reflect: target }, process);
  return target as ReflectMetadataApi;
}

// Targets that exercise the prototype walk: classes and their prototypes, an ES5-style subclass
// (its constructor's [[Prototype]] is Function.prototype), a method, plain and null-prototype objects.
class Base {
  method(): void {}
}
class Derived extends Base {}
class Leaf extends Derived {}
function Legacy(): void {}
Legacy.prototype = Object.create(Derived.prototype) as object;
function WeirdPrototype(): void {}
WeirdPrototype.prototype = 7;
const TARGETS: readonly object[] = [
  Base,
  Derived,
  Leaf,
  Legacy,
  WeirdPrototype,
  Base.prototype,
  Derived.prototype,
  Leaf.prototype,
  Base.prototype.method,
  {},
  Object.create(null) as object,
  Object.create(Leaf.prototype) as object,
];
const SYMBOL_PROPERTY = Symbol('property');
const PROPERTIES: readonly unknown[] = [undefined, 'method', 'other', SYMBOL_PROPERTY, 1, null];
const KEY_OBJECT = { key: true };
const METADATA_KEYS: readonly unknown[] = ['design:paramtypes', 'path', Symbol('key'), KEY_OBJECT, 0];

type Operation =
  | { kind: 'define'; key: number; value: number | undefined; target: number; property: number }
  | { kind: 'delete'; key: number; target: number; property: number };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({
    kind: fc.constant('define' as const),
    key: fc.nat(METADATA_KEYS.length - 1),
    // `undefined` is a value too: defined as undefined is not the same as not defined.
    value: fc.option(fc.integer(), { nil: undefined }),
    target: fc.nat(TARGETS.length - 1),
    property: fc.nat(PROPERTIES.length - 1),
  }),
  fc.record({
    kind: fc.constant('delete' as const),
    key: fc.nat(METADATA_KEYS.length - 1),
    target: fc.nat(TARGETS.length - 1),
    property: fc.nat(PROPERTIES.length - 1),
  }),
);

/** Applies the operations, then records every query's answer for every target, property and key. */
function run(api: ReflectMetadataApi, operations: readonly Operation[]): unknown[] {
  const answers: unknown[] = [];
  for (const op of operations) {
    const target = TARGETS[op.target] as object;
    const key = METADATA_KEYS[op.key];
    if (op.kind === 'define') api.defineMetadata(key, op.value, target, PROPERTIES[op.property]);
    else answers.push(api.deleteMetadata(key, target, PROPERTIES[op.property]));
  }
  for (const target of TARGETS) {
    for (const property of PROPERTIES) {
      answers.push(api.getMetadataKeys(target, property), api.getOwnMetadataKeys(target, property));
      for (const key of METADATA_KEYS) {
        answers.push(
          api.getMetadata(key, target, property),
          api.getOwnMetadata(key, target, property),
          api.hasMetadata(key, target, property),
          api.hasOwnMetadata(key, target, property),
        );
      }
    }
  }
  return answers;
}

/** What a call does: its value, or the class of error it threw. */
function outcome(call: () => unknown): unknown {
  try {
    return { value: call() };
  } catch (error) {
    return { threw: (error as Error).constructor.name };
  }
}

describe('createReflectMetadata', () => {
  it('answers every query as the reflect-metadata package does, after any sequence of defines and deletes', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 40 }), (operations) => {
        expect(run(createReflectMetadata(), operations)).toEqual(run(packageInstance(), operations));
      }),
      { numRuns: 150 },
    );
  });

  it('inherits along the chain, own keys first, and not across unrelated targets', () => {
    const api = createReflectMetadata();
    api.defineMetadata('path', '/base', Base);
    api.defineMetadata('guards', ['auth'], Derived);
    api.defineMetadata('path', '/method', Base.prototype, 'method');
    expect(api.getMetadata('path', Leaf)).toBe('/base');
    expect(api.getOwnMetadata('path', Leaf)).toBeUndefined();
    expect(api.getMetadata('path', Legacy)).toBe('/base');
    expect(api.getMetadataKeys(Leaf)).toEqual(['guards', 'path']);
    expect(api.getMetadata('path', Leaf.prototype, 'method')).toBe('/method');
    expect(api.getMetadata('path', Leaf.prototype)).toBeUndefined();
    expect(createReflectMetadata().getMetadata('path', Base)).toBeUndefined();
    // Defined as undefined hides what a parent has, and still counts as present.
    api.defineMetadata('path', undefined, Derived);
    expect(api.getMetadata('path', Leaf)).toBeUndefined();
    expect(api.hasMetadata('path', Leaf)).toBe(true);
    expect(api.getMetadataKeys(Leaf)).toEqual(['guards', 'path']);
  });

  it('rejects a target that is not an object, as the package does', () => {
    const ours = createReflectMetadata();
    const theirs = packageInstance();
    for (const target of [undefined, null, 1, 'x', Symbol('s')] as unknown as object[]) {
      for (const call of [
        (api: ReflectMetadataApi) => api.getMetadata('k', target),
        (api: ReflectMetadataApi) => api.defineMetadata('k', 1, target, 'p'),
        (api: ReflectMetadataApi) => api.getOwnMetadataKeys(target),
        (api: ReflectMetadataApi) => api.deleteMetadata('k', target),
      ]) {
        expect(outcome(() => call(ours))).toEqual({ threw: 'TypeError' });
        expect(outcome(() => call(theirs))).toEqual({ threw: 'TypeError' });
      }
    }
  });

  it('applies decorators last to first, with the package’s checks', () => {
    const ours = createReflectMetadata();
    const theirs = packageInstance();
    class Replacement {}
    const calls: string[] = [];
    const cases: ((api: ReflectMetadataApi) => unknown)[] = [
      (api) => api.decorate([() => undefined, () => Replacement], Base),
      (api) => api.decorate([() => 'not a class'], Base),
      (api) => api.decorate([], {} as object),
      (api) => api.decorate('nope' as never, Base),
      (api) =>
        api.decorate(
          [
            (_target: object, key: unknown, descriptor: unknown) => {
              calls.push(`first ${String(key)}`);
              return { ...(descriptor as object), enumerable: true };
            },
            () => {
              calls.push('second');
              return null;
            },
          ],
          Base.prototype,
          'method',
          { value: 1 },
        ),
      (api) => api.decorate([() => 5], Base.prototype, 'method', undefined),
      (api) => api.decorate([], Base.prototype, 'method', 3 as never),
      (api) => api.decorate([], Base.prototype, 1, null),
    ];
    for (const decorate of cases)
      expect(outcome(() => decorate(ours))).toEqual(outcome(() => decorate(theirs)));
    expect(calls).toEqual(['second', 'first method', 'second', 'first method']);
  });

  it('makes metadata decorators that check their target and key', () => {
    const ours = createReflectMetadata();
    const theirs = packageInstance();
    for (const api of [ours, theirs]) {
      api.metadata('role', 'admin')(Base.prototype, 'method');
      expect(api.getMetadata('role', Leaf.prototype, 'method')).toBe('admin');
      expect(outcome(() => api.metadata('role', 'x')(Base, 1 as never))).toEqual({ threw: 'TypeError' });
    }
  });
});

describe('installReflectMetadata', () => {
  it('adds the functions a target lacks and keeps the ones it has', () => {
    const existing = () => 'kept';
    const target: Record<string, unknown> = { getMetadata: existing };
    installReflectMetadata(target);
    expect(target.getMetadata).toBe(existing);
    expect(typeof target.defineMetadata).toBe('function');
    expect(Object.keys(target)).toEqual(['getMetadata']);
  });
});
