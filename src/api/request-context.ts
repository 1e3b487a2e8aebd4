import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { OperationContext } from '../context.js';
import { BadRequestError } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authentication guard before any route handler runs. */
    operationContext?: OperationContext;
  }
}

/** The OperationContext of the request (tenant, actor, permission check). */
export const Ctx = createParamDecorator((_data: unknown, host: ExecutionContext): OperationContext => {
  const request = host.switchToHttp().getRequest<FastifyRequest>();
  if (!request.operationContext)
    throw new Error('route reached without an operation context: every route needs a @Permission');
  return request.operationContext;
});

const DRY_RUN: Readonly<Record<string, boolean>> = {
  true: true,
  All: true,
  '1': true,
  false: false,
  '0': false,
  '': false,
};

/**
 * `?dryRun=true` (or Kubernetes' `All`); `false`/`0` or absent: a real run. Any other value is a
 * 400: a misspelled dry run (`True`, `yes`) must not run the real, possibly destructive, operation.
 */
export function isDryRun(value: string | undefined): boolean {
  if (value === undefined) return false;
  const parsed = DRY_RUN[value];
  if (parsed === undefined)
    throw new BadRequestError(
      `dryRun must be true (or All) or false, got ${JSON.stringify(value.slice(0, 40))}`,
    );
  return parsed;
}
