import { replaceExactlyOnce, rewriteOnLoad } from './rewrite-on-load.js';

/** Nest's router explorer, which builds every route's request handler as it registers the route. */
const NEST_ROUTER_EXPLORER = /[\\/]@nestjs[\\/]core[\\/]router[\\/]router-explorer\.js$/;
const OWNER = 'lazy-route-handlers';
const EAGER =
  ': this.createCallbackProxy(instance, targetCallback, methodName, moduleKey, requestMethod, STATIC_CONTEXT, instanceWrapper.id);';
const ON_FIRST_REQUEST =
  ': this.createCallbackProxyOnFirstRequest(instance, targetCallback, methodName, moduleKey, requestMethod, STATIC_CONTEXT, instanceWrapper.id);';

/**
 * Makes the handler Nest registers for a (non-request-scoped) route a small function that builds
 * Nest's real handler — `createCallbackProxy`, unchanged — on the route's first request, keeps it,
 * and calls it with the same arguments, returning what it returns. Request-scoped routes already
 * work like that in Nest (they build a handler per request). Throws unless the call occurs exactly
 * once, so a Nest release that changes it fails the build instead of silently dropping the rewrite.
 */
export function buildRouteHandlersOnFirstRequest(source: string, path: string): string {
  return `${replaceExactlyOnce(source, path, EAGER, ON_FIRST_REQUEST, OWNER)}
RouterExplorer.prototype.createCallbackProxyOnFirstRequest = function createCallbackProxyOnFirstRequest(...args) {
  let handler;
  return (req, res, next) => (handler ??= this.createCallbackProxy(...args))(req, res, next);
};
`;
}

/**
 * Nest builds each route's handler (execution context, guards, pipes, interceptors, parameter
 * metadata, exception filters) while it registers the routes: ~9 ms of a Lambda cold start for
 * CloudNest's 39 controller methods, most of which one execution environment never serves. In the
 * Lambda bundles only, this plugin defers each to its route's first request (docs/lambda.md). The
 * HTTP server keeps Nest's eager build, so a route whose handler cannot be built still fails the
 * server's boot — and the tests, which start it.
 */
export const lazyRouteHandlers = rewriteOnLoad(OWNER, NEST_ROUTER_EXPLORER, buildRouteHandlersOnFirstRequest);
