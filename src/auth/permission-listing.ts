import {
  ACTION_DESCRIPTIONS,
  type PermissionCatalogue,
  ROLES,
  type Role,
  SESSION_ONLY,
} from './permissions.js';
import { rolePermissions } from './principal.js';

/** One permission as the catalogue endpoint describes it. */
export interface PermissionInfo {
  name: string;
  /** The kind's plural, or the action's prefix (`journal`, `rollouts`…). */
  area: string;
  /** `read`/`write` of a kind's resources, or a named action. */
  access: 'read' | 'write' | 'action';
  description: string;
  /** The roles that hold it in this tenant. */
  roles: Role[];
  /** Whether an API key may be given it (the API-key ceiling). */
  apiKey: boolean;
  /** Only a login session may exercise it: never a key or an exchanged token. */
  sessionOnly: boolean;
}

export interface PermissionListing {
  apiVersion: 'steward.dev/v1';
  kind: 'PermissionCatalogue';
  tenant: string;
  items: PermissionInfo[];
  /** The permissions of the admin and read-only key slots in this tenant. */
  keyTypes: { admin: string[]; readonly: string[] };
}

/**
 * The catalogue as the tenant sees it: every permission with what it allows, who holds it and
 * whether a key may carry it — what a key-creation form, the CLI's help and an auditor read
 * instead of copying the server's lists. Pure.
 */
export function permissionListing(catalogue: PermissionCatalogue, tenant: string): PermissionListing {
  const held = Object.fromEntries(
    ROLES.map((role) => [role, new Set(rolePermissions(catalogue, role, tenant))]),
  ) as Record<Role, Set<string>>;
  const anyRole = (name: string) => ROLES.some((role) => held[role].has(name));
  const items = catalogue.all.filter(anyRole).map((name): PermissionInfo => {
    const [area, verb] = name.split(':') as [string, string];
    const kind = catalogue.kindRead.includes(name) || catalogue.kindWrite.includes(name);
    return {
      name,
      area,
      access: kind ? (verb as 'read' | 'write') : 'action',
      description: kind
        ? verb === 'read'
          ? `Read ${area} (get, list, history, watch)`
          : `Apply, edit and delete ${area}`
        : (ACTION_DESCRIPTIONS[name] ?? name),
      roles: ROLES.filter((role) => held[role].has(name)),
      apiKey: catalogue.apiKeyCeiling.includes(name) && held.admin.has(name),
      sessionOnly: SESSION_ONLY.has(name),
    };
  });
  return {
    apiVersion: 'steward.dev/v1',
    kind: 'PermissionCatalogue',
    tenant,
    items,
    keyTypes: {
      admin: catalogue.keyTypes.admin.filter((name) => held.admin.has(name)),
      readonly: catalogue.keyTypes.readonly.filter((name) => held.viewer.has(name)),
    },
  };
}
