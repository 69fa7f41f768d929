/**
 * The Reflect metadata API (the decorators-metadata proposal that the `reflect-metadata` package
 * polyfills, and that Nest stores all of its routing and DI metadata in), written for a cold
 * start. The Lambda bundles resolve `reflect-metadata` to `reflect-metadata-global.ts`, which
 * installs this; the server and the tests run the package itself, and the spec runs random
 * sequences of operations through both and compares every answer.
 *
 * Why: Nest reads metadata some thousands of times while it scans modules, builds its DI graph and
 * registers routes, nearly all of it once per cold start, i.e. in V8's interpreter. The package
 * sends each call through half a dozen helpers (argument checks, ToPrimitive, map lookups that
 * may create, a prototype walk with a special case) written for ES5 engines, plus Map and WeakMap
 * polyfills decided at load; here each call is one short function: ~10 million instructions
 * (~1.3%) less per cold start in paired counts (docs/lambda.md, "What keeps Init small").
 *
 * Same semantics as the package (0.1 line): metadata lives per target object and per property
 * key (`undefined` for the target itself), `get`/`has` also look along the prototype chain (for a
 * constructor whose prototype inherits from another class's prototype without
 * `Object.setPrototypeOf` on the constructor, as ES5 down-levelling did, that class comes next),
 * key lists put a target's own keys before inherited ones, and a target that is not an object is a
 * TypeError.
 */

type Store = Map<unknown, unknown>;

/** The functions the proposal adds to `Reflect`. */
export interface ReflectMetadataApi {
  defineMetadata(metadataKey: unknown, metadataValue: unknown, target: object, propertyKey?: unknown): void;
  hasMetadata(metadataKey: unknown, target: object, propertyKey?: unknown): boolean;
  hasOwnMetadata(metadataKey: unknown, target: object, propertyKey?: unknown): boolean;
  getMetadata(metadataKey: unknown, target: object, propertyKey?: unknown): unknown;
  getOwnMetadata(metadataKey: unknown, target: object, propertyKey?: unknown): unknown;
  getMetadataKeys(target: object, propertyKey?: unknown): unknown[];
  getOwnMetadataKeys(target: object, propertyKey?: unknown): unknown[];
  deleteMetadata(metadataKey: unknown, target: object, propertyKey?: unknown): boolean;
  metadata(
    metadataKey: unknown,
    metadataValue: unknown,
  ): (target: object, propertyKey?: string | symbol) => void;
  decorate(
    decorators: readonly ((...args: never[]) => unknown)[],
    target: object,
    propertyKey?: unknown,
    attributes?: PropertyDescriptor | null,
  ): unknown;
}

const functionPrototype = Object.getPrototypeOf(Function) as object;

/** Builds one independent metadata registry and the API over it. */
export function createReflectMetadata(): ReflectMetadataApi {
  const registry = new WeakMap<object, Map<string | symbol | undefined, Store>>();

  function ownKeys(target: object, propertyKey: string | symbol | undefined): unknown[] {
    const store = registry.get(target)?.get(propertyKey);
    return store === undefined ? [] : [...store.keys()];
  }

  function keysAlongChain(target: object, propertyKey: string | symbol | undefined): unknown[] {
    const own = ownKeys(target, propertyKey);
    const parent = metadataParentOf(target);
    if (parent === null) return own;
    const inherited = keysAlongChain(parent, propertyKey);
    if (inherited.length === 0) return own;
    if (own.length === 0) return inherited;
    return [...new Set([...own, ...inherited])];
  }

  function defineMetadata(
    metadataKey: unknown,
    metadataValue: unknown,
    target: object,
    propertyKey?: unknown,
  ): void {
    if (!isObject(target)) throw notAnObject();
    const key = isPropertyKeyOrUndefined(propertyKey) ? propertyKey : toPropertyKey(propertyKey);
    let byProperty = registry.get(target);
    if (byProperty === undefined) {
      byProperty = new Map();
      registry.set(target, byProperty);
    }
    let store = byProperty.get(key);
    if (store === undefined) {
      store = new Map();
      byProperty.set(key, store);
    }
    store.set(metadataKey, metadataValue);
  }

  // The lookups below are what Nest calls thousands of times at boot, in the interpreter: each
  // checks its arguments and walks the chain inline rather than through helpers, copies and all.
  // The same code through `checkedPropertyKey` and a shared chain walk cost ~3.5 M instructions
  // more per cold start (8 paired counts, 2026-12-04); the cold functions further down use them.
  return {
    defineMetadata,
    hasMetadata(metadataKey, target, propertyKey) {
      if (!isObject(target)) throw notAnObject();
      const key = isPropertyKeyOrUndefined(propertyKey) ? propertyKey : toPropertyKey(propertyKey);
      for (let current: object | null = target; current !== null; current = metadataParentOf(current)) {
        const store = registry.get(current)?.get(key);
        if (store?.has(metadataKey)) return true;
      }
      return false;
    },
    hasOwnMetadata(metadataKey, target, propertyKey) {
      if (!isObject(target)) throw notAnObject();
      const key = isPropertyKeyOrUndefined(propertyKey) ? propertyKey : toPropertyKey(propertyKey);
      const store = registry.get(target)?.get(key);
      return store?.has(metadataKey) === true;
    },
    getMetadata(metadataKey, target, propertyKey) {
      if (!isObject(target)) throw notAnObject();
      const key = isPropertyKeyOrUndefined(propertyKey) ? propertyKey : toPropertyKey(propertyKey);
      for (let current: object | null = target; current !== null; current = metadataParentOf(current)) {
        const store = registry.get(current)?.get(key);
        if (store?.has(metadataKey)) return store.get(metadataKey);
      }
      return undefined;
    },
    getOwnMetadata(metadataKey, target, propertyKey) {
      if (!isObject(target)) throw notAnObject();
      const key = isPropertyKeyOrUndefined(propertyKey) ? propertyKey : toPropertyKey(propertyKey);
      return registry.get(target)?.get(key)?.get(metadataKey);
    },
    getMetadataKeys(target, propertyKey) {
      return keysAlongChain(target, checkedPropertyKey(target, propertyKey));
    },
    getOwnMetadataKeys(target, propertyKey) {
      return ownKeys(target, checkedPropertyKey(target, propertyKey));
    },
    deleteMetadata(metadataKey, target, propertyKey) {
      const key = checkedPropertyKey(target, propertyKey);
      const byProperty = registry.get(target);
      const store = byProperty?.get(key);
      if (byProperty === undefined || store === undefined || !store.delete(metadataKey)) return false;
      // Empty maps go, so a target whose metadata is all deleted holds nothing.
      if (store.size === 0) {
        byProperty.delete(key);
        if (byProperty.size === 0) registry.delete(target);
      }
      return true;
    },
    metadata(metadataKey, metadataValue) {
      return (target, propertyKey) => {
        if (!isObject(target)) throw notAnObject();
        if (!isPropertyKeyOrUndefined(propertyKey)) {
          throw new TypeError('The property key of a metadata decorator must be a string or a symbol');
        }
        defineMetadata(metadataKey, metadataValue, target, propertyKey);
      };
    },
    decorate(decorators, target, propertyKey, attributes) {
      if (!Array.isArray(decorators)) throw new TypeError('Reflect.decorate expects an array of decorators');
      if (propertyKey === undefined) {
        if (typeof target !== 'function') throw new TypeError('A class decorator needs a constructor');
        let decorated: unknown = target;
        for (let index = decorators.length - 1; index >= 0; index--) {
          const result = (decorators[index] as (target: unknown) => unknown)(decorated);
          if (result === undefined || result === null) continue;
          if (typeof result !== 'function')
            throw new TypeError('A class decorator returned a non-constructor');
          decorated = result;
        }
        return decorated;
      }
      if (!isObject(target)) throw notAnObject();
      if (attributes !== undefined && attributes !== null && !isObject(attributes)) {
        throw new TypeError('Property attributes must be an object');
      }
      const key = toPropertyKey(propertyKey);
      let descriptor: unknown = attributes ?? undefined;
      for (let index = decorators.length - 1; index >= 0; index--) {
        const decorator = decorators[index] as (target: object, key: unknown, descriptor: unknown) => unknown;
        const result = decorator(target, key, descriptor);
        if (result === undefined || result === null) continue;
        if (!isObject(result)) throw new TypeError('A member decorator returned a non-object');
        descriptor = result;
      }
      return descriptor;
    },
  };
}

/** Adds the API to `target` (normally `Reflect`), keeping any function already there, as the package does. */
export function installReflectMetadata(
  target: object,
  api: ReflectMetadataApi = createReflectMetadata(),
): void {
  const slots = target as Record<string, unknown>;
  for (const [name, value] of Object.entries(api)) {
    if (typeof slots[name] !== 'function') {
      Object.defineProperty(target, name, { configurable: true, writable: true, value });
    }
  }
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' ? value !== null : typeof value === 'function';
}

function notAnObject(): TypeError {
  return new TypeError('Reflect metadata needs an object target');
}

function isPropertyKeyOrUndefined(key: unknown): key is string | symbol | undefined {
  return typeof key === 'string' || key === undefined || typeof key === 'symbol';
}

/** ToPropertyKey: a computed key performs exactly that (ToPrimitive with the string hint, then String). */
function toPropertyKey(key: unknown): string | symbol {
  if (typeof key === 'string' || typeof key === 'symbol') return key;
  return Reflect.ownKeys({ [key as PropertyKey]: true })[0] as string | symbol;
}

/** Checks the target and converts the property key (`undefined` meaning the target itself). */
function checkedPropertyKey(target: unknown, propertyKey: unknown): string | symbol | undefined {
  if (!isObject(target)) throw notAnObject();
  return isPropertyKeyOrUndefined(propertyKey) ? propertyKey : toPropertyKey(propertyKey);
}

/**
 * The next object whose metadata a target inherits: its prototype, except for a constructor
 * whose prototype is Function.prototype while its `prototype` inherits from another class's
 * (ES5-style inheritance), for which it is that class.
 */
function metadataParentOf(target: object): object | null {
  const proto = Object.getPrototypeOf(target) as object | null;
  if (typeof target !== 'function' || target === functionPrototype || proto !== functionPrototype)
    return proto;
  // Any value may sit in a function's `prototype`; a primitive one is looked at as the package
  // does (`prototype && Object.getPrototypeOf(prototype)`), so the two agree even there.
  const prototype = (target as { prototype?: unknown }).prototype;
  const inherited: unknown = prototype && Object.getPrototypeOf(prototype);
  if (inherited === null || inherited === undefined || inherited === Object.prototype) return proto;
  const parentClass = (inherited as { constructor?: unknown }).constructor;
  if (typeof parentClass !== 'function' || parentClass === target) return proto;
  return parentClass as object;
}
