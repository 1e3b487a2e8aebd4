import type { Actor, OperationContext } from '../context.js';
import type { MintedTokenType } from '../contract/federation.js';
import { ForbiddenError } from '../errors.js';
import {
  ACTIONS,
  type ApiKeyType,
  type PermissionCatalogue,
  type Role,
  SESSION_ONLY,
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
  /** Who this principal acts as in journal entries (computed once per principal). */
  actor: Actor;
  credential: {
    /** `token`: a short-lived token minted by an exchange or for a user (see `tokenType`). */
    type: 'session' | 'apikey' | 'token';
    id: string;
    /** A key's name; a minted token's trust policy (oidc, x509) or description (personal). */
    name: string;
    keyType?: ApiKeyType;
    tokenType?: MintedTokenType;
    /** Minted by an exchange: who it was minted for (the OIDC `sub`, the certificate subject). */
    subject?: string;
    expiresAt: string | null;
  };
}

export type { MintedTokenType };
export const MINTED_TOKEN_TYPES: readonly MintedTokenType[] = ['oidc', 'x509', 'personal'];

/** Journal actor names are kept short: a subject can be a long GitHub `sub`. */
const ACTOR_NAME_MAX = 200;

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

/**
 * Who a credential acts as in the journal: sessions and personal tokens as their user, keys as
 * themselves, exchanged tokens as `<policy>:<subject>` (an `oidc` or `certificate` actor whose id
 * is the token's, so every entry leads back to the exchange that minted it).
 */
export function actorOf(principal: Omit<Principal, 'actor'>): Actor {
  const { credential } = principal;
  if (credential.type === 'session' || credential.tokenType === 'personal')
    return { type: 'user', id: principal.userId, name: principal.username };
  if (credential.type === 'apikey') return { type: 'apikey', id: credential.id, name: credential.name };
  const name = `${credential.name}:${credential.subject ?? ''}`.slice(0, ACTOR_NAME_MAX);
  return { type: credential.tokenType === 'x509' ? 'certificate' : 'oidc', id: credential.id, name };
}

/** How a refusal names the caller: "user alice", "API key ci (3f2a…)", "token 3f2a… of trust policy ci". */
export function describePrincipal(principal: Principal): string {
  const { credential } = principal;
  if (credential.type === 'session') return `user ${principal.username}`;
  if (credential.type === 'apikey') return `API key ${credential.name} (${credential.id})`;
  if (credential.tokenType === 'personal')
    return `personal token ${credential.id} of user ${principal.username}`;
  return `token ${credential.id} of trust policy ${credential.name} (${credential.subject ?? 'no subject'})`;
}

/**
 * What a minted token may do. Exchanged tokens: the policy's permissions as minted (checked
 * against its author at apply). Personal tokens: the chosen permissions (all when none were
 * chosen) that the user's role grants today, so demoting the user demotes the token. Never a
 * session-only permission. Pure.
 */
export function mintedPermissions(
  catalogue: PermissionCatalogue,
  tokenType: MintedTokenType,
  stored: readonly string[],
  role: Role | undefined,
  tenant: string,
): string[] {
  const usable = (permission: string) => catalogue.isKnown(permission) && !SESSION_ONLY.has(permission);
  // An exchanged token never writes trust policies: it could otherwise mint policies for itself.
  if (tokenType !== 'personal')
    return stored.filter((permission) => usable(permission) && permission !== 'trustpolicies:write');
  const granted = role ? rolePermissions(catalogue, role, tenant) : [];
  if (stored.length === 0) return granted.filter(usable);
  const held = new Set(granted);
  return stored.filter((permission) => usable(permission) && held.has(permission));
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
