import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { OperationContext } from '../context.js';

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

/** `?dryRun=true` (or Kubernetes' `All`). */
export function isDryRun(value: string | undefined): boolean {
  return value === 'true' || value === 'All' || value === '1';
}
