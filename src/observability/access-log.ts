import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import type { Logger } from './log.js';
import { type ServerMetrics, UNMATCHED_ROUTE } from './metrics.js';

/**
 * Fastify's per-request logging, replaced: one access line per request (not Fastify's two, which
 * carry the raw URL, query string included) and the request-duration histogram, both from the one
 * callback Fastify makes when a response finishes. Bodies and headers are never logged.
 */
export class AccessLog extends LogController {
  private readonly enabled: boolean;

  constructor(
    logger: Logger,
    private readonly metrics: ServerMetrics,
  ) {
    super({ requestIdLogLabel: 'requestId' });
    // The level is fixed for the process's life: a silent server builds no line at all.
    this.enabled = logger.isLevelEnabled('info');
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null, request: FastifyRequest, reply: FastifyReply): void {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    const status = reply.statusCode;
    const milliseconds = reply.elapsedTime;
    this.metrics.httpRequestDuration.observe({ method: request.method, route, status }, milliseconds / 1000);
    if (!this.enabled) return;
    const context = request.operationContext;
    const actor = context?.actor;
    request.log.info(
      {
        method: request.method,
        route,
        status,
        durationMs: Math.round(milliseconds * 1000) / 1000,
        tenant: context?.tenant || undefined,
        principal: actor && actor.type !== 'anonymous' ? `${actor.type}:${actor.name}` : undefined,
        err: error ?? undefined,
      },
      'request',
    );
  }
}
