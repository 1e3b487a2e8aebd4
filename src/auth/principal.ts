import type { Actor, OperationContext } from '../context.js';
import { ForbiddenError } from '../errors.js';
import { ACTIONS, type ApiKeyType, type PermissionCatalogue, type Role } from './permissions.js';

/** The tenant whose admins administer tenants; every other tenant's admins are confined to theirs. */
export const SYSTEM_TENANT = 'default';

/** Who presented a credential, and what it lets them do. Built once per credential and cached. */
export interface Principal {
  tenant: string;
  userId: string;
  username: string;
  role: Role;
  permissions: ReadonlySet<string>;
  /** Who this principal acts as in journal entries (computed once per principal). */
  actor: Actor;
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
export function rolePermissions(catalogue: PermissionCatalogue, role: Role, tenant: string): string[] {
  const granted = catalogue.roles[role] ?? [];
  return tenant === SYSTEM_TENANT ? [...granted] : granted.filter((p) => !SYSTEM_ONLY.has(p));
}

/**
 * What an API key may do: its type's permissions (or its chosen ones), never more than the API-key
 * ceiling and never more than its creator holds today, so demoting a user demotes their keys. Pure.
 */
export function keyPermissions(
  catalogue: PermissionCatalogue,
  keyType: ApiKeyType,
  chosen: readonly string[],
  creatorRole: Role,
  tenant: string,
): string[] {
  const creator = new Set(rolePermissions(catalogue, creatorRole, tenant));
  const wanted = keyType === 'fine-grained' ? chosen : catalogue.keyTypes[keyType];
  return wanted.filter(
    (permission) => catalogue.apiKeyCeiling.includes(permission) && creator.has(permission),
  );
}

export function actorOf(principal: Omit<Principal, 'actor'>): Actor {
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

/**
 * The request's context: confined to the principal's tenant, checking its permissions. A class,
 * not a literal with a closure: one small allocation per request on the hottest path.
 */
export class PrincipalContext implements OperationContext {
  readonly tenant: string;
  readonly actor: Actor;

  constructor(
    readonly principal: Principal,
    readonly requestId: string,
    readonly source: string | undefined,
  ) {
    this.tenant = principal.tenant;
    this.actor = principal.actor;
  }

  authorize(permission: string): void {
    if (!this.principal.permissions.has(permission))
      throw new ForbiddenError(`${describePrincipal(this.principal)} lacks the permission "${permission}"`, {
        details: { permission },
      });
  }
}
