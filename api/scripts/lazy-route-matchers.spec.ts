import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copyPackageWithRewrites } from '../test/support/rewritten-package.js';
import { compileHandlerMatchersOnFirstUse, compilePrefixMatchersOnFirstUse } from './lazy-route-matchers.js';

const require = createRequire(import.meta.url);
const installedRoot = dirname(require.resolve('find-my-way/package.json'));

interface FoundRoute {
  handler: () => string;
  params: Record<string, string | undefined>;
  store: unknown;
}
interface Router {
  on(method: string | string[], path: string, opts: object, handler: () => string, store?: unknown): void;
  find(method: string, path: string, derivedConstraints?: Record<string, string>): FoundRoute | null;
  compile(): Router;
}
type RouterFactory = (options?: object) => Router;

/**
 * A copy of the installed find-my-way with the two modules rewritten as the bundles rewrite them;
 * its own dependencies resolve through a link to the node_modules it was installed in.
 */
const rewrittenRoot = mkdtempSync(join(tmpdir(), 'cloudnest-find-my-way-'));
copyPackageWithRewrites(installedRoot, rewrittenRoot, [
  ['lib/node.js', compilePrefixMatchersOnFirstUse],
  ['lib/handler-storage.js', compileHandlerMatchersOnFirstUse],
]);
symlinkSync(dirname(installedRoot), join(rewrittenRoot, 'node_modules'));
const original = require(installedRoot) as RouterFactory;
const rewritten = require(rewrittenRoot) as RouterFactory;
afterAll(() => rmSync(rewrittenRoot, { recursive: true, force: true }));

/** Routes with shared prefixes (node splits), parameters, a regex, a wildcard and constraints. */
const ROUTES: readonly [string | string[], string, object?][] = [
  ['GET', '/health'],
  ['GET', '/health/ready'],
  ['GET', '/auth/me'],
  [['POST', 'PUT'], '/auth/login'],
  ['POST', '/auth/logout'],
  ['POST', '/auth/logout-all'],
  ['GET', '/auth/sessions/:id'],
  ['DELETE', '/auth/sessions/:id'],
  ['GET', '/files/:id/content'],
  ['POST', '/files/:id/complete'],
  ['GET', '/users/:userId/files/:fileId'],
  ['GET', '/a/:p1/:p2/:p3/:p4/:p5/:p6'],
  ['GET', '/items/:id(^\\d+$)'],
  ['GET', '/static/*'],
  ['GET', '/versioned', { constraints: { version: '1.2.0' } }],
  ['GET', '/versioned', { constraints: { version: '2.0.0' } }],
  ['GET', '/hosted', { constraints: { host: 'api.example.com' } }],
  ['GET', '/hosted'],
];
const LOOKUPS: readonly [string, string, Record<string, string>?][] = [
  ['GET', '/health'],
  ['GET', '/health/ready'],
  ['GET', '/healthz'],
  ['GET', '/auth/me'],
  ['PUT', '/auth/login'],
  ['POST', '/auth/logout-all'],
  ['POST', '/auth/logout'],
  ['POST', '/auth/logou'],
  ['GET', '/auth/sessions/0f1e'],
  ['DELETE', '/auth/sessions/x%20y'],
  ['GET', '/files/abc/content'],
  ['GET', '/files/abc/contents'],
  ['GET', '/users/u1/files/f2'],
  ['GET', '/a/1/2/3/4/5/6'],
  ['GET', '/items/42'],
  ['GET', '/items/forty-two'],
  ['GET', '/static/css/site.css'],
  ['GET', '/versioned', { version: '1.x' }],
  ['GET', '/versioned', { version: '2.x' }],
  ['GET', '/versioned', { version: '3.x' }],
  ['GET', '/hosted', { host: 'api.example.com' }],
  ['GET', '/hosted', { host: 'other.example.com' }],
  ['GET', '/hosted'],
  ['HEAD', '/health'],
];

function build(factory: RouterFactory): Router {
  const router = factory({ ignoreTrailingSlash: true });
  ROUTES.forEach(([method, path, opts], index) => {
    router.on(method, path, opts ?? {}, () => `route ${index}`, { index });
  });
  return router;
}

/** Every lookup's outcome: which route (by its handler's answer), its params and its store. */
function answers(router: Router) {
  return LOOKUPS.map(([method, path, constraints]) => {
    const found = router.find(method, path, constraints);
    return found && { route: found.handler(), params: { ...found.params }, store: found.store };
  });
}

/**
 * Counts the matchers find-my-way generates (`new Function`) while `work` runs: prefix matchers
 * (`path, i`), params builders (`NullObject`) and constraint matchers (`derivedConstraints`), not
 * the constrainer's own function, which the rewrite leaves alone.
 */
function generatedMatchers(work: () => void): number {
  const RealFunction = globalThis.Function;
  const deferred = ['path,i,', 'NullObject,', 'derivedConstraints,'];
  let count = 0;
  globalThis.Function = new Proxy(RealFunction, {
    construct(target, args: string[]) {
      if (deferred.includes(`${args.slice(0, -1).join(',')},`)) count++;
      return Reflect.construct(target, args);
    },
  });
  try {
    work();
  } finally {
    globalThis.Function = RealFunction;
  }
  return count;
}

describe('lazy find-my-way matchers', () => {
  it('answers every lookup as the unmodified router does, walking the tree or compiled', () => {
    const expected = answers(build(original));
    expect(expected.filter(Boolean).length).toBeGreaterThan(15);
    expect(answers(build(rewritten))).toEqual(expected);
    // Twice on the same router: the second round runs the matchers the first one compiled.
    const router = build(rewritten);
    answers(router);
    expect(answers(router)).toEqual(expected);
    expect(answers(build(rewritten).compile())).toEqual(answers(build(original).compile()));
  });

  it('generates no code while routes are added, and only what the lookups reach afterwards', () => {
    let lazyRouter: Router | undefined;
    expect(generatedMatchers(() => build(original))).toBeGreaterThan(ROUTES.length);
    expect(generatedMatchers(() => (lazyRouter = build(rewritten)))).toBe(0);
    const router = lazyRouter as Router;
    const firstLookup = generatedMatchers(() => router.find('GET', '/health'));
    expect(firstLookup).toBeGreaterThan(0);
    expect(generatedMatchers(() => router.find('GET', '/health'))).toBe(0);
  });

  it('sees a handler added after the first lookup through the same node', () => {
    const router = build(rewritten);
    expect(router.find('GET', '/versioned', { version: '3.0.0' })).toBeNull();
    router.on('GET', '/versioned', { constraints: { version: '3.0.0' } }, () => 'late route');
    expect(router.find('GET', '/versioned', { version: '3.x' })?.handler()).toBe('late route');
  });

  it('fails the build when a rewritten line is missing', () => {
    expect(() => compilePrefixMatchersOnFirstUse('const x = 1', 'changed/node.js')).toThrow(
      /found it 0 times/,
    );
    expect(() => compileHandlerMatchersOnFirstUse('const x = 1', 'changed/handler-storage.js')).toThrow(
      /found it 0 times/,
    );
  });
});
