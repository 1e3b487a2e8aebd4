import { ForbiddenError } from './errors.js';

/** Who is acting; recorded on every journal entry. */
export interface Actor {
  type: 'user' | 'apikey' | 'oidc' | 'certificate' | 'controller' | 'device' | 'system' | 'anonymous';
  /** Stable identifier (user id, key id, OIDC subject, controller name). */
  id: string;
  /** Human-readable name (user name, key name). */
  name: string;
}

/**
 * What every operation carries from its surface (HTTP request, reconcile, device call) into the
 * domain: the tenant it is confined to, the actor, the request id, and the permission check.
 */
export interface OperationContext {
  tenant: string;
  actor: Actor;
  requestId: string;
  /** Source address of the request, when there is one. */
  source?: string;
  /** Throws ForbiddenError naming `permission` unless the actor holds it. */
  authorize(permission: string): void;
}

/** A context for the system itself (bootstrap, controllers): it holds every permission. */
export function systemContext(
  tenant: string,
  actor: Actor,
  requestId: string,
  source?: string,
): OperationContext {
  return { tenant, actor, requestId, source, authorize: () => undefined };
}

/**
 * Whether the context holds `permission`, without refusing (OperationContext offers only the
 * throwing check): for answers that show more to callers who may see it.
 */
export function holds(context: OperationContext, permission: string): boolean {
  try {
    context.authorize(permission);
    return true;
  } catch (error) {
    if (error instanceof ForbiddenError) return false;
    throw error;
  }
}
