import { replaceExactlyOnce, rewriteOnLoad } from './rewrite-on-load.js';

/** The two find-my-way modules that generate code (`new Function`) as routes are added. */
const FIND_MY_WAY_CODEGEN = /[\\/]find-my-way[\\/]lib[\\/](node|handler-storage)\.js$/;
const OWNER = 'lazy-route-matchers';

/**
 * Tree nodes: each static node's `matchPrefix` becomes a stub that compiles the real matcher on its
 * first call and puts it in its place. The compiled matcher is the one find-my-way would have built
 * (same `compilePrefixMatch`), so lookups answer the same and, after the first one through a node,
 * run the same code.
 */
export function compilePrefixMatchersOnFirstUse(source: string, path: string): string {
  const constructed = replaceExactlyOnce(
    source,
    path,
    'this.matchPrefix = kind === NODE_TYPES.STATIC ? compilePrefixMatch(prefix) : null',
    'this.matchPrefix = kind === NODE_TYPES.STATIC ? prefixMatchOnFirstUse(this, prefix) : null',
    OWNER,
  );
  const split = replaceExactlyOnce(
    constructed,
    path,
    'this.matchPrefix = compilePrefixMatch(childPrefix)',
    'this.matchPrefix = prefixMatchOnFirstUse(this, childPrefix)',
    OWNER,
  );
  // Function declarations are hoisted, so appending them keeps the rewritten lines valid.
  return `${split}
function prefixMatchOnFirstUse (node, prefix) {
  return function matchPrefixOnFirstUse (path, i) {
    node.matchPrefix = compilePrefixMatch(prefix)
    return node.matchPrefix(path, i)
  }
}
`;
}

/**
 * Handler storages: a handler's `_createParamsObject` and a storage's constraint matcher become
 * stubs that compile on first call (always a method call on the handler object or the storage) and
 * replace themselves. A storage given another handler gets a fresh stub, so the matcher compiled
 * later sees every handler, as the eager one compiled after each did.
 */
export function compileHandlerMatchersOnFirstUse(source: string, path: string): string {
  const params = replaceExactlyOnce(
    source,
    path,
    '_createParamsObject: this._compileCreateParamsObject(params)',
    '_createParamsObject: paramsObjectOnFirstUse(this, params)',
    OWNER,
  );
  const constraints = replaceExactlyOnce(
    params,
    path,
    'this._compileGetHandlerMatchingConstraints(constrainer, constraints)',
    'this._getHandlerMatchingConstraints = constraintMatcherOnFirstUse(constrainer)',
    OWNER,
  );
  return `${constraints}
function paramsObjectOnFirstUse (storage, params) {
  return function createParamsObjectOnFirstUse (param0, param1, param2, param3, extraParams) {
    this._createParamsObject = storage._compileCreateParamsObject(params)
    return this._createParamsObject(param0, param1, param2, param3, extraParams)
  }
}
function constraintMatcherOnFirstUse (constrainer) {
  return function getHandlerMatchingConstraintsOnFirstUse (derivedConstraints) {
    this._compileGetHandlerMatchingConstraints(constrainer)
    return this._getHandlerMatchingConstraints(derivedConstraints)
  }
}
`;
}

/**
 * find-my-way generates and compiles a function (`new Function`) for the prefix of every static
 * node of the route tree and two for every route's handler as routes are added: 330 for
 * CloudNest's routes, ~6.7 ms of each Lambda cold start on Node 22, for nodes and routes most of
 * which a short-lived execution environment never reaches. This plugin defers each to the first
 * lookup that needs it (see docs/lambda.md).
 */
export const lazyRouteMatchers = rewriteOnLoad(OWNER, FIND_MY_WAY_CODEGEN, (source, path) =>
  /handler-storage\.js$/.test(path)
    ? compileHandlerMatchersOnFirstUse(source, path)
    : compilePrefixMatchersOnFirstUse(source, path),
);
