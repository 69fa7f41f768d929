import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { buildRouteHandlersOnFirstRequest } from './lazy-route-handlers.js';

/** The shape of Nest's RouterExplorer around the rewritten call, reduced to what it does with it. */
const SAMPLE = `const STATIC_CONTEXT = { id: 1 };
class RouterExplorer {
  constructor() { this.built = []; }
  applyCallbackToRouter(register, instance, targetCallback, methodName, moduleKey, requestMethod, instanceWrapper) {
    const isRequestScoped = false;
    const proxy = isRequestScoped
            ? undefined
            : this.createCallbackProxy(instance, targetCallback, methodName, moduleKey, requestMethod, STATIC_CONTEXT, instanceWrapper.id);
    register(proxy);
  }
  createCallbackProxy(instance, callback, methodName, moduleRef, requestMethod, contextId, inquirerId) {
    this.built.push([methodName, moduleRef, requestMethod, contextId.id, inquirerId]);
    return async (req, res, next) => ({ handled: callback.call(instance, req), res, next });
  }
}
globalThis.RouterExplorer = RouterExplorer;`;

interface Explorer {
  built: unknown[][];
  applyCallbackToRouter(
    register: (handler: Handler) => void,
    instance: object,
    callback: (request: string) => string,
    methodName: string,
    moduleKey: string,
    requestMethod: number,
    instanceWrapper: { id: string },
  ): void;
}
type Handler = (req: string, res: string, next: string) => Promise<unknown>;

function load(source: string): Explorer {
  const context = { globalThis: {} as { RouterExplorer?: new () => Explorer } };
  context.globalThis = context as never;
  runInNewContext(source, context);
  const RouterExplorer = (context as { RouterExplorer?: new () => Explorer }).RouterExplorer;
  if (!RouterExplorer) throw new Error('sample did not load');
  return new RouterExplorer();
}

/** Registers one route on a (rewritten or original) explorer and returns its handler. */
function register(explorer: Explorer): Handler {
  let registered: Handler | undefined;
  const controller = { prefix: 'user:' };
  explorer.applyCallbackToRouter(
    (handler) => {
      registered = handler;
    },
    controller,
    function (this: typeof controller, request: string) {
      return `${this.prefix}${request}`;
    },
    'me',
    'module-1',
    0,
    { id: 'wrapper-1' },
  );
  if (!registered) throw new Error('no handler registered');
  return registered;
}

describe('buildRouteHandlersOnFirstRequest', () => {
  it("builds the route's handler on its first request, once, with Nest's arguments", async () => {
    const explorer = load(buildRouteHandlersOnFirstRequest(SAMPLE, 'sample.js'));
    const handler = register(explorer);
    expect(explorer.built).toEqual([]);
    expect(await handler('req-1', 'res-1', 'next-1')).toEqual({
      handled: 'user:req-1',
      res: 'res-1',
      next: 'next-1',
    });
    expect(await handler('req-2', 'res-2', 'next-2')).toEqual({
      handled: 'user:req-2',
      res: 'res-2',
      next: 'next-2',
    });
    expect(explorer.built).toEqual([['me', 'module-1', 0, 1, 'wrapper-1']]);
  });

  it('leaves an unrewritten explorer building the handler at registration (the difference the rewrite makes)', () => {
    const explorer = load(SAMPLE);
    register(explorer);
    expect(explorer.built).toHaveLength(1);
  });

  it('fails the build when the call is missing or repeated', () => {
    expect(() => buildRouteHandlersOnFirstRequest('const x = 1;', 'changed.js')).toThrow(/found it 0 times/);
    expect(() => buildRouteHandlersOnFirstRequest(`${SAMPLE}\n${SAMPLE}`, 'twice.js')).toThrow(
      /found it 2 times/,
    );
  });

  it("matches the installed Nest's router explorer", () => {
    const path = createRequire(import.meta.url).resolve('@nestjs/core/router/router-explorer.js');
    const rewritten = buildRouteHandlersOnFirstRequest(readFileSync(path, 'utf8'), path);
    expect(rewritten).toContain('this.createCallbackProxyOnFirstRequest(instance, targetCallback');
    expect(rewritten).toContain('export class RouterExplorer');
  });
});
