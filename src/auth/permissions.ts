import { KINDS } from '../kinds.js';

/**
 * The permission catalogue (DESIGN §4): `<area>:read|write` per kind plus named actions. Roles are
 * bundles of permissions; API keys are capped at operator level; administration of keys, users and
 * tenants needs a session. Pure data and pure functions.
 */
export const ACTIONS = {
  rolloutsApprove: 'rollouts:approve',
  journalRead: 'journal:read',
  journalExport: 'journal:export',
  /** Journal settings (retention, read journaling) of one's own tenant. */
  journalAdmin: 'journal:admin',
  /** Create, rotate and revoke one's own fine-grained keys. */
  keysWrite: 'keys:write',
  /** Every key of the tenant, including the admin and read-only slots. */
  keysAdmin: 'keys:admin',
  usersAdmin: 'users:admin',
  tenantsAdmin: 'tenants:admin',
  /** Scraping /metrics (Prometheus sends a read-only key as its bearer token). */
  metricsRead: 'metrics:read',
} as const;

export const KIND_READ = KINDS.map((kind) => `${kind.plural}:read`);
export const KIND_WRITE = KINDS.map((kind) => `${kind.plural}:write`);

export const ALL_PERMISSIONS: readonly string[] = [...KIND_READ, ...KIND_WRITE, ...Object.values(ACTIONS)];

export type Role = 'viewer' | 'operator' | 'admin';
export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];

const VIEWER = [...KIND_READ, ACTIONS.journalRead, ACTIONS.metricsRead];
const OPERATOR = [
  ...VIEWER,
  ...KIND_WRITE,
  ACTIONS.rolloutsApprove,
  ACTIONS.journalExport,
  ACTIONS.keysWrite,
];
const ADMIN = [
  ...OPERATOR,
  ACTIONS.journalAdmin,
  ACTIONS.keysAdmin,
  ACTIONS.usersAdmin,
  ACTIONS.tenantsAdmin,
];

export const ROLE_PERMISSIONS: Record<Role, readonly string[]> = {
  viewer: VIEWER,
  operator: OPERATOR,
  admin: ADMIN,
};

/**
 * Permissions only a session may exercise: a leaked API key can never mint keys or users.
 * (`keys:write` is among them: keys are made by people who logged in, not by other keys.)
 */
export const SESSION_ONLY: ReadonlySet<string> = new Set([
  ACTIONS.keysWrite,
  ACTIONS.keysAdmin,
  ACTIONS.usersAdmin,
  ACTIONS.tenantsAdmin,
]);

/** The most an API key may carry: operator level without the session-only permissions. */
export const API_KEY_CEILING: readonly string[] = OPERATOR.filter(
  (permission) => !SESSION_ONLY.has(permission),
);

export type ApiKeyType = 'admin' | 'readonly' | 'fine-grained';

/** Permissions of the admin and read-only key slots. */
export const KEY_TYPE_PERMISSIONS: Record<Exclude<ApiKeyType, 'fine-grained'>, readonly string[]> = {
  admin: API_KEY_CEILING,
  readonly: VIEWER,
};

export function isKnownPermission(permission: string): boolean {
  return ALL_PERMISSIONS.includes(permission);
}

/**
 * The permissions a fine-grained key may be given by a creator holding `creator`: returns the
 * first requested permission that is refused and why, or null when all may be granted. Pure.
 */
export function refusedPermission(
  requested: readonly string[],
  creator: ReadonlySet<string>,
): { permission: string; why: string } | null {
  for (const permission of requested) {
    if (!isKnownPermission(permission)) return { permission, why: 'is not a Steward permission' };
    if (!API_KEY_CEILING.includes(permission))
      return { permission, why: 'cannot be given to an API key (session only)' };
    if (!creator.has(permission)) return { permission, why: 'is not held by the key creator' };
  }
  return null;
}
