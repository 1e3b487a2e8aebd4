import { HttpException, type Logger } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { HTTP_STATUS_BY_CLASS, toStatus } from '../../src/api/status.js';
import * as errors from '../../src/errors.js';
import {
  AlreadyExistsError,
  BadRequestError,
  ConfigError,
  ConflictError,
  ForbiddenError,
  InvalidError,
  NotFoundError,
  PayloadTooLargeError,
  ServerFaultError,
  type StewardError,
  TerminalError,
  TooManyRequestsError,
  UnauthorizedError,
} from '../../src/errors.js';

/** Collects what toStatus logs: server faults must be logged, client errors must not. */
function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: { error: (line: string) => lines.push(line) } as unknown as Logger, lines };
}

const cases: Array<[string, StewardError, number, string]> = [
  ['a BadRequestError is 400', new BadRequestError('bad query'), 400, 'BadRequest'],
  ['an InvalidError is 422', new InvalidError('bad spec'), 422, 'Invalid'],
  ['a PayloadTooLargeError is 413', new PayloadTooLargeError('too big'), 413, 'RequestEntityTooLarge'],
  ['a NotFoundError is 404', new NotFoundError('no such device'), 404, 'NotFound'],
  ['a ConflictError is 409', new ConflictError('stale resourceVersion'), 409, 'Conflict'],
  ['an AlreadyExistsError is 409 with its own reason', new AlreadyExistsError('taken'), 409, 'AlreadyExists'],
  ['an UnauthorizedError is 401', new UnauthorizedError('who are you'), 401, 'Unauthorized'],
  ['a ForbiddenError is 403', new ForbiddenError('needs devices:write'), 403, 'Forbidden'],
  ['a TooManyRequestsError is 429', new TooManyRequestsError('slow down'), 429, 'TooManyRequests'],
  [
    'a TerminalError is 409 with the reconciler’s reason, whatever that reason is',
    new TerminalError('IssuerExpired', 'the CA certificate expired'),
    409,
    'IssuerExpired',
  ],
  [
    'a TerminalError whose reason reads like a server fault is still the caller’s 409',
    new TerminalError('InternalError', 'reason strings decide nothing'),
    409,
    'InternalError',
  ],
  [
    'a ServerFaultError (a TerminalError) is 500',
    new ServerFaultError('SecretDecryptionFailed', 'the secret of acme/root failed authentication'),
    500,
    'SecretDecryptionFailed',
  ],
  ['a ConfigError is 500', new ConfigError('STEWARD_MASTER_KEY is wrong'), 500, 'InvalidConfiguration'],
];

describe('HTTP status codes by error class', () => {
  it.each(cases)('%s', (_name, error, code, reason) => {
    const { logger, lines } = recordingLogger();
    const body = toStatus(error, 1024, 'req-1', logger);
    expect(body).toMatchObject({ apiVersion: 'steward.dev/v1', kind: 'Status', code, reason });
    if (code >= 500) {
      // A server fault's message may name files and keys: the caller gets the request id only.
      expect(body.message).toBe('internal error (request id req-1)');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(error.message);
    } else {
      expect(body.message).toBe(error.message);
      expect(lines).toEqual([]);
    }
  });

  it('a client error carries its field problems as details.causes', () => {
    const problems = [{ document: 0, pointer: '/spec/platform', message: 'must be one of apple, tpm' }];
    const body = toStatus(new InvalidError('invalid', { problems }), 1024, 'r', recordingLogger().logger);
    expect(body.details).toEqual({ causes: problems });
  });

  it('every error class of src/errors.ts is in the table, itself or through a parent', () => {
    const classes = Object.values(errors as Record<string, unknown>).filter(
      (value): value is abstract new (...args: never[]) => StewardError =>
        typeof value === 'function' && value.prototype instanceof errors.StewardError,
    );
    expect(classes.length).toBeGreaterThan(10);
    const listed = HTTP_STATUS_BY_CLASS.map(([errorClass]) => errorClass);
    const unmapped = classes
      .filter((errorClass) => !listed.some((c) => errorClass === c || errorClass.prototype instanceof c))
      .map((errorClass) => errorClass.name);
    expect(unmapped).toEqual([]);
  });

  it('a subclass is listed before its parent, so the parent cannot shadow it', () => {
    const order = HTTP_STATUS_BY_CLASS.map(([errorClass]) => errorClass);
    for (const [index, errorClass] of order.entries())
      for (const parent of order.slice(0, index))
        expect(errorClass.prototype instanceof parent, `${errorClass.name} after ${parent.name}`).toBe(false);
  });

  it('an error that is no Steward error is a 500 that reveals nothing and is logged', () => {
    const { logger, lines } = recordingLogger();
    const body = toStatus(new TypeError('cannot read x of undefined'), 1024, 'req-2', logger);
    expect(body).toMatchObject({
      code: 500,
      reason: 'InternalError',
      message: 'internal error (request id req-2)',
    });
    expect(lines[0]).toContain('cannot read x of undefined');
  });

  it('Fastify’s client errors keep their 4xx status', () => {
    const { logger } = recordingLogger();
    expect(
      toStatus({ code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', message: 'bad type' }, 1, 'r', logger).code,
    ).toBe(415);
    expect(toStatus({ code: 'FST_ERR_CTP_BODY_TOO_LARGE' }, 10, 'r', logger)).toMatchObject({
      code: 413,
      message: 'request body exceeds the limit of 10 bytes',
    });
    expect(toStatus({ statusCode: 400, message: 'Unexpected token' }, 1, 'r', logger).code).toBe(400);
    // @fastify/static refuses a path with a NUL byte with a bare 403.
    expect(toStatus({ statusCode: 403, message: 'Forbidden' }, 1, 'r', logger)).toMatchObject({
      code: 403,
      reason: 'Forbidden',
    });
  });

  it('Nest’s own exceptions keep their status', () => {
    const body = toStatus(new HttpException('Cannot GET /nowhere', 404), 1, 'r', recordingLogger().logger);
    expect(body).toMatchObject({ code: 404, reason: 'NotFound' });
  });
});
