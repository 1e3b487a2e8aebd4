/**
 * The CLI's failures, each carrying the lines to print and the exit code. Commands throw them;
 * main prints them, once, and never a stack trace.
 */
import type { FieldProblem, Status } from '../contract/status.js';

export type { Status } from '../contract/status.js';

/** A failed operation: exit code 1 unless said otherwise. */
export class CliError extends Error {
  constructor(
    readonly lines: string[],
    readonly exitCode = 1,
  ) {
    super(lines.join('\n'));
    this.name = 'CliError';
  }

  /** A one-line `error: ...` failure. */
  static of(message: string, exitCode = 1): CliError {
    return new CliError([`error: ${message}`], exitCode);
  }
}

/** A command line that cannot be understood: exit code 2 and a pointer to `--help`. */
export class UsageError extends CliError {
  constructor(
    readonly reason: string,
    readonly commandPath = '',
  ) {
    const help = commandPath ? `steward ${commandPath} --help` : 'steward --help';
    super([`error: ${reason}`, `Run '${help}' for usage.`], 2);
    this.name = 'UsageError';
  }
}

/** One problem of a request as the server reports it (api-contract.md, Errors). */
export type StatusCause = FieldProblem;

/** How a cause is shown: the default names the document; apply replaces it with file:line:col. */
export type CauseFormatter = (cause: StatusCause) => string;

/** Formats a cause without knowledge of its file; positions the server sent are kept. */
export const plainCause: CauseFormatter = (cause) => {
  const pointer = cause.pointer === '' ? '' : `${cause.pointer}: `;
  if (cause.line !== undefined) {
    return `${cause.source ?? '<input>'}:${cause.line}:${cause.column ?? 1}: ${pointer}${cause.message}`;
  }
  const document = cause.document === undefined ? '' : `document ${cause.document}: `;
  return `${document}${pointer}${cause.message}`;
};

/** The server answered with an error Status: printed as `Error from server (Reason): message` + causes. */
export class ServerError extends CliError {
  constructor(
    readonly status: Status,
    formatCause: CauseFormatter = plainCause,
  ) {
    const causes = status.details?.causes ?? [];
    super([`Error from server (${status.reason}): ${status.message}`, ...causes.map(formatCause)], 1);
    this.name = 'ServerError';
  }

  get code(): number {
    return this.status.code;
  }

  /** The same error with its causes shown by `formatCause`. */
  withCauses(formatCause: CauseFormatter): ServerError {
    return new ServerError(this.status, formatCause);
  }
}
