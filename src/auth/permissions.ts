/**
 * The permission catalogue (DESIGN §4): `<area>:read|write` per kind plus named actions. Roles are
 * bundles of permissions; API keys are capped at operator level; administration of keys, users and
 * tenants needs a session. Pure data and pure functions.
 *
 * The kinds come in as an index built by the composition root, not from the registry: importing
 * auth must not load every controller and the PKI behind them (test/auth/module-graph.test.ts).
 */

export const ACTIONS = {
  rolloutsApprove: 'rollouts:approve',
  /** Approving a device that enrolled with a token whose approval is manual. */
  devicesApprove: 'devices:approve',
  /** Creating, listing and deleting enrollment tokens (session only, like keys). */
  enrollTokensWrite: 'enroll-tokens:write',
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
  /** Retiring the tenant's update-signing key and making a new one (admin only). */
  signingKeysRotate: 'signing-keys:rotate',
  /** Listing apply sets and their members (docs/gitops.md). */
  applysetsRead: 'applysets:read',
  /** Deleting an apply set (its members are orphaned, or deleted with cascade and their kinds' write). */
  applysetsWrite: 'applysets:write',
} as const;

/** What each named action allows, as the permission catalogue (`GET /api/v1/auth/permissions`) says it. */
export const ACTION_DESCRIPTIONS: Readonly<Record<string, string>> = {
  [ACTIONS.rolloutsApprove]: 'Approve a rollout wave waiting at an approval gate',
  [ACTIONS.devicesApprove]: 'Approve a device that enrolled with a manual-approval token',
  [ACTIONS.enrollTokensWrite]: 'Create, list and delete enrollment tokens',
  [ACTIONS.journalRead]: 'Query, follow and verify the journal',
  [ACTIONS.journalExport]: 'Export the journal (NDJSON, CSV)',
  [ACTIONS.journalAdmin]: 'Change journal retention and read journaling',
  [ACTIONS.keysWrite]: "Create, rotate and revoke one's own fine-grained API keys",
  [ACTIONS.keysAdmin]: 'Manage every API key of the tenant, including the admin and read-only slots',
  [ACTIONS.usersAdmin]: 'Create users, change their roles and delete them',
  [ACTIONS.tenantsAdmin]: 'List and create tenants (system tenant)',
  [ACTIONS.metricsRead]: 'Scrape /metrics (system tenant)',
  [ACTIONS.signingKeysRotate]: "Retire the tenant's update-signing key and make a new one",
  [ACTIONS.applysetsRead]: 'List apply sets, their members and drift',
  [ACTIONS.applysetsWrite]: 'Delete apply sets (cascade needs the members’ kinds’ write too)',
};

export type Role = 'viewer' | 'operator' | 'admin';
export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];

/**
 * Permissions only a session may exercise: a leaked API key can never mint keys or users.
 * (`keys:write` is among them: keys are made by people who logged in, not by other keys.)
 */
export const SESSION_ONLY: ReadonlySet<string> = new Set([
  ACTIONS.enrollTokensWrite,
  ACTIONS.keysWrite,
  ACTIONS.keysAdmin,
  ACTIONS.usersAdmin,
  ACTIONS.tenantsAdmin,
]);

export type ApiKeyType = 'admin' | 'readonly' | 'fine-grained';
export const API_KEY_TYPES: readonly ApiKeyType[] = ['admin', 'readonly', 'fine-grained'];

/** What the catalogue needs of the kinds served: their plurals (a KindIndex is one). */
export interface PermissionKinds {
  readonly all: readonly { readonly plural: string }[];
}

/** The permissions of the kinds served, the role bundles and the API-key ceiling. Immutable. */
export class PermissionCatalogue {
  readonly kindRead: readonly string[];
  readonly kindWrite: readonly string[];
  readonly all: readonly string[];
  readonly roles: Readonly<Record<Role, readonly string[]>>;
  /** The most an API key may carry: operator level without the session-only permissions. */
  readonly apiKeyCeiling: readonly string[];
  /** Permissions of the admin and read-only key slots. */
  readonly keyTypes: Readonly<Record<Exclude<ApiKeyType, 'fine-grained'>, readonly string[]>>;
  private readonly known: ReadonlySet<string>;

  constructor(kinds: PermissionKinds) {
    this.kindRead = kinds.all.map((kind) => `${kind.plural}:read`);
    this.kindWrite = kinds.all.map((kind) => `${kind.plural}:write`);
    this.all = [...this.kindRead, ...this.kindWrite, ...Object.values(ACTIONS)];
    this.known = new Set(this.all);
    const viewer = [...this.kindRead, ACTIONS.journalRead, ACTIONS.metricsRead, ACTIONS.applysetsRead];
    const operator = [
      ...viewer,
      ...this.kindWrite,
      ACTIONS.rolloutsApprove,
      ACTIONS.devicesApprove,
      ACTIONS.enrollTokensWrite,
      ACTIONS.journalExport,
      ACTIONS.keysWrite,
      ACTIONS.applysetsWrite,
    ];
    const admin = [
      ...operator,
      ACTIONS.journalAdmin,
      ACTIONS.keysAdmin,
      ACTIONS.usersAdmin,
      ACTIONS.tenantsAdmin,
      ACTIONS.signingKeysRotate,
    ];
    this.roles = { viewer, operator, admin };
    this.apiKeyCeiling = operator.filter((permission) => !SESSION_ONLY.has(permission));
    this.keyTypes = { admin: this.apiKeyCeiling, readonly: viewer };
  }

  isKnown(permission: string): boolean {
    return this.known.has(permission);
  }

  /**
   * The permissions a fine-grained key may be given by a creator holding `creator`: returns the
   * first requested permission that is refused and why, or null when all may be granted. Pure.
   */
  refused(
    requested: readonly string[],
    creator: ReadonlySet<string>,
  ): { permission: string; why: string } | null {
    for (const permission of requested) {
      if (!this.isKnown(permission)) return { permission, why: 'is not a Steward permission' };
      if (!this.apiKeyCeiling.includes(permission))
        return { permission, why: 'cannot be given to an API key (session only)' };
      if (!creator.has(permission)) return { permission, why: 'is not held by the key creator' };
    }
    return null;
  }
}
