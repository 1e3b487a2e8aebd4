import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { systemContext } from '../context.js';
import { PERMISSION_KEY } from './permission.js';

/**
 * Every request passes here before its handler: the route's declared permission is resolved and
 * the request's OperationContext is attached. A route without a declaration is a programming
 * error and is refused, never served open.
 */
@Injectable()
export class PermissionGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(host: ExecutionContext): boolean {
    const permission = this.reflector.get<string | undefined>(PERMISSION_KEY, host.getHandler());
    if (!permission)
      throw new Error(`route ${host.getClass().name}.${host.getHandler().name} declares no @Permission`);
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    request.operationContext = systemContext(
      'default',
      { type: 'anonymous', id: 'anonymous', name: 'anonymous' },
      String(request.id),
    );
    return true;
  }
}
