import { describe, expect, it } from 'vitest';
import type { PermissionListing } from '../../src/auth/permission-listing.js';
import { runCli, writeTree } from '../cli/harness.js';
import { adminToken, call, loginToken, useServer } from '../support/server.js';

/**
 * `GET /api/v1/auth/permissions` against the real server: what it says of each permission is what
 * the server then enforces (a key is created with exactly the permissions it marks for keys).
 */
describe('the permission catalogue endpoint', () => {
  const suite = useServer({ env: { STEWARD_ENGINE: 'off' } });
  const catalogue = (token?: string | null) =>
    call<PermissionListing & { message?: string }>(suite.server, 'GET', '/api/v1/auth/permissions', {
      token,
    });

  it('answers every credential its tenant’s catalogue; none without one', async () => {
    const listing = await catalogue();
    expect(listing.status).toBe(200);
    expect(listing.body).toMatchObject({ kind: 'PermissionCatalogue', tenant: 'default' });
    expect(listing.body.items.map((item) => item.name)).toEqual(
      expect.arrayContaining([
        'devices:read',
        'certificateauthorities:write',
        'journal:read',
        'tenants:admin',
      ]),
    );
    const key = await call<{ key: string }>(suite.server, 'POST', '/api/v1/keys', {
      body: { type: 'fine-grained', name: 'only-devices', permissions: ['devices:read'] },
    });
    expect(key.status).toBe(201);
    expect((await catalogue(key.body.key)).status).toBe(200);
    const anonymous = await catalogue(null);
    expect(anonymous.status).toBe(401);
  });

  it('marks for keys exactly what a key may be created with', async () => {
    const { items } = (await catalogue()).body;
    for (const [index, item] of items.entries()) {
      const created = await call<{ message?: string }>(suite.server, 'POST', '/api/v1/keys', {
        body: { type: 'fine-grained', name: `each-${index}`, permissions: [item.name] },
      });
      expect(created.status, `${item.name}: ${created.body.message ?? ''}`).toBe(item.apiKey ? 201 : 403);
    }
  });

  it('is the other tenant’s own in another tenant (no system-wide permissions)', async () => {
    const created = await call(suite.server, 'POST', '/api/v1/tenants', {
      body: { name: 'cat-b', admin: { username: 'cat-admin', password: 'cat-password-123' } },
    });
    expect(created.status).toBe(201);
    const other = await loginToken(suite.server, 'cat-admin', 'cat-password-123', 'cat-b');
    const listing = await catalogue(other);
    expect(listing.body.tenant).toBe('cat-b');
    const names = listing.body.items.map((item) => item.name);
    expect(names).not.toContain('tenants:admin');
    expect(names).not.toContain('metrics:read');
  });

  it('steward keys permissions prints what keys may carry; --all the session-only ones too', async () => {
    const env = {
      HOME: writeTree({}),
      STEWARD_URL: suite.server.url,
      STEWARD_TOKEN: adminToken(suite.server),
    };
    const keys = await runCli(['keys', 'permissions'], { env });
    expect(keys.code, keys.stderr).toBe(0);
    expect(keys.stdout).toMatch(/^PERMISSION\s+ROLES\s+API KEY\s+ALLOWS\n/);
    expect(keys.stdout).toMatch(/\ndevices:read\s+viewer,operator,admin\s+yes\s+Read devices/);
    expect(keys.stdout).toMatch(/\nrollouts:approve\s+operator,admin\s+yes\s+Approve a rollout wave/);
    expect(keys.stdout).not.toContain('users:admin');
    const all = await runCli(['keys', 'permissions', '--all'], { env });
    expect(all.stdout).toMatch(/\nusers:admin\s+admin\s+session only\s+Create users/);
    const json = JSON.parse((await runCli(['keys', 'permissions', '-o', 'json'], { env })).stdout);
    expect(json.items.every((item: { apiKey: boolean }) => item.apiKey)).toBe(true);
  });
});
