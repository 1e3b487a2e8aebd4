/**
 * The one error hierarchy of Steward. Domain code throws these; they are translated to HTTP in one
 * place (src/api/status.ts) and to queue retries in one place (src/engine). Domain code never
 * imports HTTP exceptions.
 */

import type { FieldProblem } from './contract/status.js';

export type { FieldProblem } from './contract/status.js';

export interface StewardErrorOptions {
  cause?: unknown;
  details?: Record<string, unknown>;
  problems?: FieldProblem[];
}

export abstract class StewardError extends Error {
  /** Machine-readable PascalCase reason, as in Kubernetes' Status.reason. */
  abstract readonly reason: string;
  readonly details?: Record<string, unknown>;
  readonly problems: FieldProblem[];

  constructor(message: string, options: StewardErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.details = options.details;
    this.problems = options.problems ?? [];
  }
}

/** The request could not be decoded (malformed YAML/JSON, bad query parameter). */
export class BadRequestError extends StewardError {
  readonly reason = 'BadRequest';
}

/** The request decoded but violates a schema or a rule; `problems` lists every violation. */
export class InvalidError extends StewardError {
  readonly reason = 'Invalid';
}

export class PayloadTooLargeError extends StewardError {
  readonly reason = 'RequestEntityTooLarge';
}

/** The body's content type is not one the operation takes (an SBOM sent as text/plain). */
export class UnsupportedMediaTypeError extends StewardError {
  readonly reason = 'UnsupportedMediaType';
}

export class NotFoundError extends StewardError {
  readonly reason = 'NotFound';
}

export class ConflictError extends StewardError {
  readonly reason: string = 'Conflict';
}

export class AlreadyExistsError extends ConflictError {
  override readonly reason = 'AlreadyExists';
}

/** What was asked for is no longer kept (a watch from a journal position retention pruned): 410. */
export class GoneError extends StewardError {
  readonly reason = 'Expired';
}

export class UnauthorizedError extends StewardError {
  readonly reason: string = 'Unauthorized';
}

/**
 * A token exchange refused the token presented: `reason` names the check that failed
 * (`AudienceMismatch`, `Replayed`, `NoPolicyMatched`…, docs/federation.md), a 401 like any refused
 * credential.
 */
export class TokenRefusedError extends UnauthorizedError {
  override readonly reason: string;
  constructor(reason: string, message: string, options: StewardErrorOptions = {}) {
    super(message, options);
    this.reason = reason;
  }
}

export class ForbiddenError extends StewardError {
  readonly reason = 'Forbidden';
}

export class TooManyRequestsError extends StewardError {
  readonly reason = 'TooManyRequests';
}

/** A dependency Steward needs for the answer cannot be reached now (an OIDC issuer's keys): retry later. */
export class UnavailableError extends StewardError {
  readonly reason = 'ServiceUnavailable';
}

/** Configuration that cannot work; raised at start, naming the variable. */
export class ConfigError extends StewardError {
  readonly reason = 'InvalidConfiguration';
}

/**
 * A reconcile failure that retrying cannot fix (bad reference shape, impossible spec). The engine
 * records it in a condition and does not retry until the resource changes.
 */
export class TerminalError extends StewardError {
  readonly reason: string;
  constructor(reason: string, message: string, options: StewardErrorOptions = {}) {
    super(message, options);
    this.reason = reason;
  }
}

/**
 * A terminal failure that is Steward's own fault, not the caller's nor the resource's: stored data
 * that fails an integrity check (a sealed secret altered or moved). Never retried, as every
 * TerminalError; over HTTP it is a 500, where any other TerminalError is the caller's 409.
 */
export class ServerFaultError extends TerminalError {}

export function isStewardError(error: unknown): error is StewardError {
  return error instanceof StewardError;
}
