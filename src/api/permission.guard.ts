import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { Authenticator, type Presented } from '../auth/authenticator.js';
import { type Principal, PrincipalContext } from '../auth/principal.js';
import { type OperationContext, systemContext } from '../context.js';
import { ForbiddenError, UnauthorizedError } from '../errors.js';
import { KindIndex } from '../resources/kind-index.js';
import { PERMISSION_KEY } from './permission.js';

export const SESSION_COOKIE = 'steward_session';

export const NO_CREDENTIAL_MESSAGE =
  'authentication required: send "Authorization: Bearer <API key or session token>" or log in (steward login)';

/** The token of `Authorization: Bearer <token>` or `Token <token>` ('' when malformed). Pure. */
export function bearerToken(authorization: string): string {
  const space = authorization.indexOf(' ');
  const scheme = space < 0 ? '' : authorization.slice(0, space).toLowerCase();
  if (scheme !== 'bearer' && scheme !== 'token') return '';
  const token = authorization.slice(space + 1).trim();
  return token.includes(' ') ? '' : token;
}

/** The credential of a request: the Authorization header, else the session cookie. Pure. */
export function presentedCredential(request: FastifyRequest): Presented | undefined {
  const headers = request.headers;
  const authorization = headers.authorization;
  if (authorization) {
    // A malformed header is refused, not ignored in favour of a cookie: the caller meant it.
    return {
      token: bearerToken(authorization),
      viaCookie: false,
      method: request.method,
      source: request.ip,
      requestId: String(request.id),
    };
  }
  const cookie = headers.cookie;
  // @fastify/cookie is registered without its parsing hook (src/server.ts): parsed here, only when needed.
  const token = cookie ? request.server.parseCookie(cookie)[SESSION_COOKIE] : undefined;
  if (!token) return undefined;
  const csrf = headers['x-csrf-token'];
  return {
    token,
    viaCookie: true,
    csrfHeader: typeof csrf === 'string' ? csrf : undefined,
    method: request.method,
    source: request.ip,
    requestId: String(request.id),
  };
}

/** A context for routes that need no credential: it can do nothing that needs a permission. */
function anonymousContext(request: FastifyRequest): OperationContext {
  return {
    tenant: '',
    actor: { type: 'anonymous', id: 'anonymous', name: 'anonymous' },
    requestId: String(request.id),
    source: request.ip,
    authorize(permission: string) {
      throw new UnauthorizedError(`authentication required for "${permission}"`);
    },
  };
}

/**
 * Every request passes here before its handler: the credential is authenticated, the route's one
 * declared permission resolved (`{plural}` → the kind of the path) and checked, and the request's
 * OperationContext attached. A route without a declaration is refused at start-up
 * (assertRoutesDeclarePermissions) and, as a second line, here.
 */
@Injectable()
export class PermissionGuard implements CanActivate {
  private readonly declared = new Map<unknown, string>();
  /** `{plural}:read` resolved once per name of a kind: `devices` (or `dev`) → `devices:read`. */
  private readonly resolved = new Map<string, Map<string, string>>();

  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
    private readonly kinds: KindIndex,
  ) {}

  private permissionOf(host: ExecutionContext): string {
    const handler = host.getHandler();
    let permission = this.declared.get(handler);
    if (permission === undefined) {
      permission = this.reflector.get<string | undefined>(PERMISSION_KEY, handler);
      if (!permission)
        throw new Error(`route ${host.getClass().name}.${handler.name} declares no @Permission`);
      this.declared.set(handler, permission);
    }
    return permission;
  }

  canActivate(host: ExecutionContext): boolean | Promise<boolean> {
    const declared = this.permissionOf(host);
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    if (declared === 'public') {
      request.operationContext = anonymousContext(request);
      return true;
    }
    if (this.authenticator.disabledForBenchmark) {
      request.operationContext = systemContext(
        'default',
        { type: 'system', id: 'bench', name: 'bench' },
        String(request.id),
      );
      return true;
    }
    // Authenticated by the route's early hook (authenticate-early.ts) before its body was read.
    if (request.principal) return this.admit(request, declared, request.principal);
    // A second line, as for undeclared permissions: a route the hook missed still authenticates.
    const presented = presentedCredential(request);
    if (!presented) throw new UnauthorizedError(NO_CREDENTIAL_MESSAGE);
    const principal = this.authenticator.authenticate(presented);
    if (principal instanceof Promise)
      return principal.then((resolved) => this.admit(request, declared, resolved));
    return this.admit(request, declared, principal);
  }

  /** The concrete permission of a `{plural}` declaration; NotFound for a kind Steward does not serve. */
  private resolve(declared: string, request: FastifyRequest): string {
    const plural = (request.params as { plural?: string }).plural ?? '';
    let byName = this.resolved.get(declared);
    if (!byName) {
      byName = new Map();
      this.resolved.set(declared, byName);
    }
    let permission = byName.get(plural);
    if (permission === undefined) {
      permission = `${this.kinds.resolve(plural).plural}${declared.slice('{plural}'.length)}`;
      // Only names that resolved are kept (resolve throws for others): the map stays as small as the kinds.
      byName.set(plural, permission);
    }
    return permission;
  }

  private admit(request: FastifyRequest, declared: string, principal: Principal): boolean {
    const context = new PrincipalContext(principal, String(request.id), request.ip);
    // Attached before the check: a refusal is journaled with who was refused.
    request.operationContext = context;
    if (declared === 'authenticated') return true;
    if (declared === 'session') {
      if (principal.credential.type !== 'session')
        throw new ForbiddenError(
          `${request.method} ${request.routeOptions.url} needs a login session: an API key can never administer credentials`,
        );
      return true;
    }
    context.authorize(declared.startsWith('{plural}') ? this.resolve(declared, request) : declared);
    return true;
  }
}
