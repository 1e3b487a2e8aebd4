import { describe, expect, it } from 'vitest';
import { permissionListing } from '../../src/auth/permission-listing.js';
import {
  ACTION_DESCRIPTIONS,
  ACTIONS,
  PermissionCatalogue,
  SESSION_ONLY,
} from '../../src/auth/permissions.js';
import { rolePermissions, SYSTEM_TENANT } from '../../src/auth/principal.js';

const catalogue = new PermissionCatalogue({ all: [{ plural: 'devices' }, { plural: 'rollouts' }] });

describe('permissionListing (GET /api/v1/auth/permissions)', () => {
  const tenant = permissionListing(catalogue, 'acme');
  const system = permissionListing(catalogue, SYSTEM_TENANT);
  const byName = (listing: typeof tenant) => new Map(listing.items.map((item) => [item.name, item]));

  it.each([
    [
      'devices:read',
      { area: 'devices', access: 'read', roles: ['viewer', 'operator', 'admin'], apiKey: true },
    ],
    ['devices:write', { area: 'devices', access: 'write', roles: ['operator', 'admin'], apiKey: true }],
    ['rollouts:approve', { area: 'rollouts', access: 'action', roles: ['operator', 'admin'], apiKey: true }],
    ['journal:read', { access: 'action', roles: ['viewer', 'operator', 'admin'], apiKey: true }],
    ['journal:export', { roles: ['operator', 'admin'], apiKey: true }],
    ['journal:admin', { roles: ['admin'], apiKey: false, sessionOnly: false }],
    ['keys:write', { roles: ['operator', 'admin'], apiKey: false, sessionOnly: true }],
    ['users:admin', { roles: ['admin'], apiKey: false, sessionOnly: true }],
    ['applysets:write', { area: 'applysets', access: 'action', apiKey: true }],
  ])('%s', (name, expected) => {
    expect(byName(tenant).get(name)).toMatchObject({ name, ...expected });
  });

  it('lists what the tenant’s roles hold: system-wide permissions only in the system tenant', () => {
    expect(byName(tenant).has(ACTIONS.tenantsAdmin)).toBe(false);
    expect(byName(tenant).has(ACTIONS.metricsRead)).toBe(false);
    expect(byName(system).get(ACTIONS.tenantsAdmin)).toMatchObject({ roles: ['admin'], sessionOnly: true });
    expect(byName(system).get(ACTIONS.metricsRead)).toMatchObject({ apiKey: true });
    for (const [listing, name] of [
      [tenant, 'acme'],
      [system, SYSTEM_TENANT],
    ] as const)
      expect(new Set(listing.items.map((item) => item.name))).toEqual(
        new Set(rolePermissions(catalogue, 'admin', name)),
      );
  });

  it('agrees with the rules it describes: the key ceiling, the session-only set, the roles', () => {
    for (const item of system.items) {
      expect(item.apiKey, item.name).toBe(catalogue.apiKeyCeiling.includes(item.name));
      expect(item.sessionOnly, item.name).toBe(SESSION_ONLY.has(item.name));
      if (item.sessionOnly) expect(item.apiKey, item.name).toBe(false);
      for (const role of ['viewer', 'operator', 'admin'] as const)
        expect(item.roles.includes(role), `${item.name} ${role}`).toBe(
          rolePermissions(catalogue, role, SYSTEM_TENANT).includes(item.name),
        );
      expect(item.description.length, item.name).toBeGreaterThan(10);
    }
    expect(tenant.keyTypes.readonly).toEqual(rolePermissions(catalogue, 'viewer', 'acme'));
    expect(tenant.keyTypes.admin.every((name) => catalogue.apiKeyCeiling.includes(name))).toBe(true);
  });

  it('describes every named action', () => {
    for (const action of Object.values(ACTIONS)) expect(ACTION_DESCRIPTIONS[action], action).toBeTruthy();
  });
});
