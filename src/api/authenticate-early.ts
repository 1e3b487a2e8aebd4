import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { Authenticator } from '../auth/authenticator.js';
import type { Principal } from '../auth/principal.js';
import { NotFoundError, UnauthorizedError } from '../errors.js';
import { statusFor } from './kube/kube-status.js';
import { NO_CREDENTIAL_MESSAGE, presentedCredential } from './permission.guard.js';
import { type RouteEntry, routeTable } from './route-table.js';
import { toStatus } from './status.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who sent the request, set by the early authentication hook before the body is read. */
    principal?: Principal;
  }
}

/**
 * The body limit of routes anyone may call (`POST /auth/login`): their bodies are a few short
 * fields, so nobody unauthenticated can make Steward buffer and parse megabytes. 64 KiB leaves
 * room for a signed token (a JWT of a few KiB) in the token exchanges to come.
 */
export const PUBLIC_BODY_LIMIT = 64 * 1024;

/** Fastify's path of a Nest route path (`:param` is written the same in both). Pure. */
function routeKey(method: string, url: string): string {
  return `${method === 'HEAD' ? 'GET' : method} ${url.length > 1 ? url.replace(/\/+$/, '') : url}`;
}

/** True when a body follows the headers that the early answer leaves unread. Pure. */
function bodyPending(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined;
}

/**
 * Answers a refused credential in the one Status shape, from the hook (Nest's filter is not
 * reached from here). The connection is closed after the answer when a body was announced:
 * otherwise Node would go on receiving (and discarding) all of it to keep the connection alive.
 */
function refuse(request: FastifyRequest, reply: FastifyReply, error: unknown, bodyLimit: number): void {
  const body = toStatus(error, bodyLimit, String(request.id), request.log);
  const retryAfter = body.details?.retryAfterSeconds;
  if (typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter));
  if (body.code === 401) void reply.header('www-authenticate', 'Bearer realm="steward"');
  if (bodyPending(request)) void reply.header('connection', 'close');
  void reply
    .code(body.code)
    .header('content-type', 'application/json; charset=utf-8')
    .send(statusFor(request.url, body));
}

/**
 * Authentication before the body (issue #12): every route that needs a credential gets an
 * onRequest hook, run once the route is matched and before Fastify reads or parses the body, so
 * a request without a valid credential is answered 401 without its body being read — a 30 MB
 * upload cannot make an anonymous caller cost Steward memory and parse time. The principal is
 * kept on the request; the PermissionGuard then only authorizes. Public routes keep no hook and
 * get PUBLIC_BODY_LIMIT instead. Must be called before Nest registers its routes (app.init).
 *
 * Returns a check to run after the routes are registered: every route of the table that needs a
 * credential must have been given the hook (a path written differently would silently skip it).
 */
export function registerEarlyAuthentication(
  fastify: FastifyInstance,
  authenticator: Authenticator,
  routes: Parameters<typeof routeTable>[0],
  bodyLimit: number,
): () => void {
  const table = new Map<string, RouteEntry>();
  for (const entry of routeTable(routes)) table.set(routeKey(entry.method, entry.path), entry);
  const hooked = new Set<string>();

  // Synchronous when the credential is cached (the common case): no promise per request.
  const authenticate: onRequestHookHandler = (request, reply, done) => {
    if (authenticator.disabledForBenchmark) return done();
    const presented = presentedCredential(request);
    if (!presented) return refuse(request, reply, new UnauthorizedError(NO_CREDENTIAL_MESSAGE), bodyLimit);
    let principal: Principal | Promise<Principal>;
    try {
      principal = authenticator.authenticate(presented);
    } catch (error) {
      return refuse(request, reply, error, bodyLimit);
    }
    if (!(principal instanceof Promise)) {
      request.principal = principal;
      return done();
    }
    principal.then(
      (resolved) => {
        request.principal = resolved;
        done();
      },
      (error: unknown) => refuse(request, reply, error, bodyLimit),
    );
  };

  // A path no route serves is answered 404 before its body too: Fastify's not-found route would
  // otherwise read and parse it first (the same cost, for anyone, at any made-up path).
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!request.is404 || !bodyPending(request)) return done();
    refuse(
      request,
      reply,
      new NotFoundError(`no route ${request.method} ${request.url.split('?')[0]}`),
      bodyLimit,
    );
  });

  fastify.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const entry = table.get(routeKey(methods[0], route.url));
    if (!entry) return;
    if (entry.permission === 'public') {
      route.bodyLimit = Math.min(route.bodyLimit ?? bodyLimit, PUBLIC_BODY_LIMIT);
      return;
    }
    const existing = route.onRequest;
    route.onRequest = existing === undefined ? [authenticate] : [authenticate, ...[existing].flat()];
    hooked.add(routeKey(entry.method, entry.path));
  });

  return () => {
    const missed = [...table.entries()].filter(
      ([key, entry]) => entry.permission !== 'public' && !hooked.has(key),
    );
    if (missed.length > 0)
      throw new Error(
        `routes registered without early authentication: ${missed.map(([key]) => key).join(', ')}`,
      );
  };
}
