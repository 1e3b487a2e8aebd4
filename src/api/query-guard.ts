import type { FastifyInstance } from 'fastify';
import { BadRequestError } from '../errors.js';
import { statusFor } from './kube/kube-status.js';
import { toStatus } from './status.js';

/**
 * The query parameters given more than once, in the order first seen. Pure. Fastify's query
 * parser answers an array for a repeated parameter, where every route reads one string: an array
 * reaching `labelSelector.trim()` was a 500. Kubernetes takes the first value of a repeat; Steward
 * refuses it, as it refuses any input it would otherwise have to guess the meaning of.
 */
export function repeatedParameters(query: unknown): string[] {
  if (query === null || typeof query !== 'object') return [];
  const repeated: string[] = [];
  for (const name of Object.keys(query))
    if (Array.isArray((query as Record<string, unknown>)[name])) repeated.push(name);
  return repeated;
}

/** The 400 for a query with repeated parameters, naming them. */
export function repeatedParametersError(names: string[]): BadRequestError {
  const list = names.map((name) => `"${name.length > 64 ? `${name.slice(0, 64)}...` : name}"`).join(', ');
  return new BadRequestError(
    `query parameter${names.length > 1 ? 's' : ''} ${list} given more than once; give each at most once`,
    { details: { parameters: names.map((name) => name.slice(0, 256)) } },
  );
}

/**
 * Refuses every request whose query repeats a parameter, on every route, before authentication,
 * body parsing or any handler: one place, so that no route can forget it. A synchronous hook
 * (no promise per request on the hot path); a query without repeats costs one loop over its keys.
 */
export function registerQueryGuard(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const repeated = repeatedParameters(request.query);
    if (repeated.length === 0) return done();
    const body = toStatus(repeatedParametersError(repeated), 0, String(request.id), request.log);
    void reply
      .code(body.code)
      .header('content-type', 'application/json; charset=utf-8')
      .send(statusFor(request.url, body));
  });
}
