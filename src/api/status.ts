import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DenialBudget } from '../auth/denial-budget.js';
import {
  BadRequestError,
  ConfigError,
  ConflictError,
  type FieldProblem,
  ForbiddenError,
  GoneError,
  InvalidError,
  isStewardError,
  NotFoundError,
  PayloadTooLargeError,
  ServerFaultError,
  type StewardError,
  TerminalError,
  TooManyRequestsError,
  UnauthorizedError,
  UnavailableError,
  UnsupportedMediaTypeError,
} from '../errors.js';
import { statusFor } from './kube/kube-status.js';

/** The one error shape of every surface (DESIGN §3), after Kubernetes' Status. */
export interface Status {
  apiVersion: 'steward.dev/v1';
  kind: 'Status';
  code: number;
  reason: string;
  message: string;
  details?: { causes?: FieldProblem[]; [key: string]: unknown };
}

type ErrorClass = abstract new (...args: never[]) => StewardError;

/**
 * The HTTP status of each error class: the first class an error is an instance of decides, so a
 * subclass comes before its parent. By class, never by reason: a TerminalError carries the
 * reconciler's own reason (IssuerExpired, PathLengthExceeded...), which no table of strings could
 * keep up with. A StewardError of a class missing here is a 500 (test/api/status.test.ts checks
 * that every class of src/errors.ts is listed).
 */
export const HTTP_STATUS_BY_CLASS: ReadonlyArray<readonly [ErrorClass, number]> = [
  [BadRequestError, 400],
  [InvalidError, 422],
  [PayloadTooLargeError, 413],
  [UnsupportedMediaTypeError, 415],
  [NotFoundError, 404],
  // AlreadyExistsError is a ConflictError.
  [ConflictError, 409],
  [GoneError, 410],
  [UnauthorizedError, 401],
  [ForbiddenError, 403],
  [TooManyRequestsError, 429],
  [UnavailableError, 503],
  [ConfigError, 500],
  // Before TerminalError, its parent: stored data failing its integrity check is Steward's fault.
  [ServerFaultError, 500],
  // What retrying cannot fix is the state of the resource, not the server: the request conflicts
  // with it (a CA whose certificate expired cannot issue) until something changes.
  [TerminalError, 409],
];

/** The HTTP status of a Steward error, by its class (see HTTP_STATUS_BY_CLASS). Pure. */
export function httpStatusOf(error: StewardError): number {
  for (const [errorClass, code] of HTTP_STATUS_BY_CLASS) if (error instanceof errorClass) return code;
  return 500;
}

/** Reasons of the 4xx statuses Nest and Fastify raise themselves (not through a Steward error). */
const HTTP_REASON: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  413: 'RequestEntityTooLarge',
  414: 'URITooLong',
  415: 'UnsupportedMediaType',
  429: 'TooManyRequests',
  503: 'ServiceUnavailable',
};

function status(code: number, reason: string, message: string, details?: Status['details']): Status {
  const body: Status = { apiVersion: 'steward.dev/v1', kind: 'Status', code, reason, message };
  if (details && Object.keys(details).length > 0) body.details = details;
  return body;
}

/** A client error's Status: its reason, message and details are the caller's to read. */
function clientErrorStatus(error: StewardError): Status {
  const details: Status['details'] = { ...(error.details ?? {}) };
  if (error.problems.length > 0) details.causes = error.problems;
  return status(httpStatusOf(error), error.reason, error.message, details);
}

function internalError(requestId: string, reason = 'InternalError'): Status {
  return status(500, reason, `internal error (request id ${requestId})`);
}

const FASTIFY_REASONS: Record<string, [number, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'RequestEntityTooLarge'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'UnsupportedMediaType'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'BadRequest'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'BadRequest'],
};

/**
 * Translates anything thrown to a Status, in one place. Server faults (unknown errors, and Steward
 * errors whose class maps to 500) become a 500 whose message reveals nothing (a configuration
 * error's message names files and keys); they are logged with the request id so an operator can
 * find them. A Steward server fault keeps its reason, which names no detail.
 */
export function toStatus(
  error: unknown,
  bodyLimit: number,
  requestId: string,
  logger: { error(message: string): void },
): Status {
  if (isStewardError(error)) {
    if (httpStatusOf(error) < 500) return clientErrorStatus(error);
    logger.error(`request ${requestId} failed: ${error.stack ?? error.message}`);
    return internalError(requestId, error.reason);
  }
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
    // Fastify's own client errors: malformed JSON, prototype poisoning, bad content length, a
    // static file path refused (403).
    const code = fastifyError.statusCode;
    return status(code, HTTP_REASON[code] ?? 'BadRequest', fastifyError.message ?? 'bad request');
  }
  logger.error(`request ${requestId} failed: ${(error as Error)?.stack ?? String(error)}`);
  return internalError(requestId);
}

/**
 * Nest's side of the translation: errors thrown by route handlers and the guard. A 403 of an
 * authenticated caller is journaled in its tenant (who was refused what) before it is answered,
 * within the credential's denial budget: past it the answer is 429 (src/auth/denial-budget.ts).
 */
@Catch()
export class StatusFilter implements ExceptionFilter {
  constructor(
    private readonly bodyLimit: number,
    private readonly denials?: DenialBudget,
  ) {}

  catch(error: unknown, host: ArgumentsHost): void | Promise<void> {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    // The request's own logger: its lines carry the request id as a field.
    // The route's own limit: public routes have a smaller one (PUBLIC_BODY_LIMIT).
    const limit = request.routeOptions?.bodyLimit ?? this.bodyLimit;
    let body = toStatus(error, limit, String(request.id), request.log);
    const send = () => {
      const retryAfter = body.details?.retryAfterSeconds;
      if (typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter));
      if (body.code === 401) void reply.header('www-authenticate', 'Bearer realm="steward"');
      void reply
        .status(body.code)
        .header('content-type', 'application/json; charset=utf-8')
        .send(statusFor(request.url, body));
    };
    const context = request.operationContext;
    if (body.code !== 403 || !this.denials || !context?.tenant) return send();
    // A user's sessions share one budget, like their follow streams; an API key has its own.
    const key = `${context.tenant}\u0000${context.actor.type}\u0000${context.actor.id}`;
    const kind = `${request.method} ${request.url.split('?')[0]}: ${body.message}`;
    const outcome = this.denials.deny(key, context, kind);
    if (outcome.refused) {
      body = status(
        429,
        'TooManyRequests',
        `too many refused requests: more than ${outcome.budget} denials a minute from this credential (STEWARD_DENIALS_PER_MINUTE); try again in ${outcome.retryAfterSeconds} s. This request was refused: ${body.message}`,
        { retryAfterSeconds: outcome.retryAfterSeconds },
      );
      return send();
    }
    return outcome.journaled
      .catch((journalError: unknown) =>
        request.log.error(
          `request ${request.id}: the refusal could not be journaled: ${String(journalError)}`,
        ),
      )
      .then(send);
  }
}
