import type { Actor, OperationContext } from '../context.js';
import { ForbiddenError } from '../errors.js';
import {
  ACTIONS,
  API_KEY_CEILING,
  type ApiKeyType,
  KEY_TYPE_PERMISSIONS,
  ROLE_PERMISSIONS,
  type Role,
} from './permissions.js';

/** The tenant whose admins administer tenants; every other tenant's admins are confined to theirs. */
export const SYSTEM_TENANT = 'default';

/** Who presented a credential, and what it lets them do. Built once per credential and cached. */
export interface Principal {
  tenant: string;
  userId: string;
  username: string;
  role: Role;
  permissions: ReadonlySet<string>;
  credential: {
    type: 'session' | 'apikey';
    id: string;
    name: string;
    keyType?: ApiKeyType;
    expiresAt: string | null;
  };
}

/** Permissions over every tenant at once, so held only in the system tenant. */
const SYSTEM_ONLY: ReadonlySet<string> = new Set([ACTIONS.tenantsAdmin, ACTIONS.metricsRead]);

/** What a user's role grants in a tenant (system-wide permissions only in the system tenant). Pure. */
export function rolePermissions(role: Role, tenant: string): string[] {
  const granted = ROLE_PERMISSIONS[role] ?? [];
  return tenant === SYSTEM_TENANT ? [...granted] : granted.filter((p) => !SYSTEM_ONLY.has(p));
}

/**
 * What an API key may do: its type's permissions (or its chosen ones), never more than the API-key
 * ceiling and never more than its creator holds today, so demoting a user demotes their keys. Pure.
 */
export function keyPermissions(
  keyType: ApiKeyType,
  chosen: readonly string[],
  creatorRole: Role,
  tenant: string,
): string[] {
  const creator = new Set(rolePermissions(creatorRole, tenant));
  const wanted = keyType === 'fine-grained' ? chosen : KEY_TYPE_PERMISSIONS[keyType];
  return wanted.filter((permission) => API_KEY_CEILING.includes(permission) && creator.has(permission));
}

export function actorOf(principal: Principal): Actor {
  return principal.credential.type === 'session'
    ? { type: 'user', id: principal.userId, name: principal.username }
    : { type: 'apikey', id: principal.credential.id, name: principal.credential.name };
}

/** How a refusal names the caller: "user alice" or "API key ci (3f2a…)". */
export function describePrincipal(principal: Principal): string {
  return principal.credential.type === 'session'
    ? `user ${principal.username}`
    : `API key ${principal.credential.name} (${principal.credential.id})`;
}

/** The request's context: confined to the principal's tenant, checking its permissions. */
export function principalContext(
  principal: Principal,
  requestId: string,
  source: string | undefined,
): OperationContext & { principal: Principal } {
  return {
    tenant: principal.tenant,
    actor: actorOf(principal),
    requestId,
    source,
    principal,
    authorize(permission: string) {
      if (!principal.permissions.has(permission))
        throw new ForbiddenError(`${describePrincipal(principal)} lacks the permission "${permission}"`, {
          details: { permission },
        });
    },
  };
}
