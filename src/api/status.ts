import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { OperationContext } from '../context.js';
import { type FieldProblem, isStewardError, type StewardError } from '../errors.js';

/** The one error shape of every surface (DESIGN §3), after Kubernetes' Status. */
export interface Status {
  apiVersion: 'steward.dev/v1';
  kind: 'Status';
  code: number;
  reason: string;
  message: string;
  details?: { causes?: FieldProblem[]; [key: string]: unknown };
}

const HTTP_CODE: Record<string, number> = {
  BadRequest: 400,
  Invalid: 422,
  RequestEntityTooLarge: 413,
  NotFound: 404,
  Conflict: 409,
  AlreadyExists: 409,
  Unauthorized: 401,
  Forbidden: 403,
  TooManyRequests: 429,
  InvalidConfiguration: 500,
};

const HTTP_REASON: Record<number, string> = {
  400: 'BadRequest',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  415: 'UnsupportedMediaType',
};

function status(code: number, reason: string, message: string, details?: Status['details']): Status {
  const body: Status = { apiVersion: 'steward.dev/v1', kind: 'Status', code, reason, message };
  if (details && Object.keys(details).length > 0) body.details = details;
  return body;
}

export function stewardErrorStatus(error: StewardError): Status {
  const details: Status['details'] = { ...(error.details ?? {}) };
  if (error.problems.length > 0) details.causes = error.problems;
  return status(HTTP_CODE[error.reason] ?? 500, error.reason, error.message, details);
}

const FASTIFY_REASONS: Record<string, [number, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'RequestEntityTooLarge'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'UnsupportedMediaType'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'BadRequest'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'BadRequest'],
};

/**
 * Translates anything thrown to a Status, in one place. Unknown errors become a 500 whose message
 * reveals nothing; they are logged with the request id so an operator can find them.
 */
export function toStatus(
  error: unknown,
  bodyLimit: number,
  requestId: string,
  logger: { error(message: string): void },
): Status {
  if (isStewardError(error)) return stewardErrorStatus(error);
  if (error instanceof HttpException) {
    // Nest's own exceptions: unknown routes, and Fastify parser errors it re-throws.
    const code = error.getStatus();
    if (code === 413)
      return status(413, 'RequestEntityTooLarge', `request body exceeds the limit of ${bodyLimit} bytes`);
    return status(code, HTTP_REASON[code] ?? (code >= 500 ? 'InternalError' : 'BadRequest'), error.message);
  }
  const fastifyError = error as { code?: string; statusCode?: number; message?: string };
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return status(413, 'RequestEntityTooLarge', `request body exceeds the limit of ${bodyLimit} bytes`);
  }
  if (fastifyError.code && FASTIFY_REASONS[fastifyError.code]) {
    const [code, reason] = FASTIFY_REASONS[fastifyError.code];
    return status(code, reason, fastifyError.message ?? reason);
  }
  if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    // Fastify's own client errors: malformed JSON, prototype poisoning, bad content length.
    return status(fastifyError.statusCode, 'BadRequest', fastifyError.message ?? 'bad request');
  }
  logger.error(`request ${requestId} failed: ${(error as Error)?.stack ?? String(error)}`);
  return status(500, 'InternalError', `internal error (request id ${requestId})`);
}

/** Records refusals in the journal (the authenticator's `record`). */
export interface RefusalRecorder {
  record(
    tenant: string,
    actor: OperationContext['actor'],
    request: { requestId: string; source?: string },
    record: { operation: string; result: string; reason?: string },
  ): Promise<void>;
}

/**
 * Nest's side of the translation: errors thrown by route handlers and the guard. A 403 of an
 * authenticated caller is journaled in its tenant (who was refused what) before it is answered.
 */
@Catch()
export class StatusFilter implements ExceptionFilter {
  constructor(
    private readonly bodyLimit: number,
    private readonly refusals?: RefusalRecorder,
  ) {}

  catch(error: unknown, host: ArgumentsHost): void | Promise<void> {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    // The request's own logger: its lines carry the request id as a field.
    const body = toStatus(error, this.bodyLimit, String(request.id), request.log);
    const retryAfter = body.details?.retryAfterSeconds;
    if (typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter));
    if (body.code === 401) void reply.header('www-authenticate', 'Bearer realm="steward"');
    const send = () =>
      void reply.status(body.code).header('content-type', 'application/json; charset=utf-8').send(body);
    const context = request.operationContext;
    if (body.code !== 403 || !this.refusals || !context?.tenant) return send();
    return this.refusals
      .record(context.tenant, context.actor, context, {
        operation: 'auth.deny',
        result: 'denied',
        reason: `${request.method} ${request.url.split('?')[0]}: ${body.message}`,
      })
      .catch((journalError: unknown) =>
        request.log.error(
          `request ${request.id}: the refusal could not be journaled: ${String(journalError)}`,
        ),
      )
      .then(send);
  }
}
