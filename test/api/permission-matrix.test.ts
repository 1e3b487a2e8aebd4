import { Controller, Get } from '@nestjs/common';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../src/api/http.module.js';
import { assertRoutesDeclarePermissions, type RouteEntry, routeTable } from '../../src/api/route-table.js';
import type { Role } from '../../src/auth/permissions.js';
import { rolePermissions } from '../../src/auth/principal.js';
import { call, device, loginToken, useServer } from '../support/server.js';

/**
 * The permission matrix, generated from the route table: every route × every kind of credential,
 * with the status the route's one declared permission implies. A new route is covered the moment
 * it is added to ROUTES; a route without a declaration fails this file (and the server's start).
 */

const PASSWORD = 'matrix-password-1';
const NAME = 'matrix-dev';

/** A concrete URL for a route pattern: known resource, unknown ids. */
function urlOf(route: RouteEntry): string {
  return route.path
    .replace(':plural', 'devices')
    .replace(':name', NAME)
    .replace(':tenant', 'default')
    .replace(/:[A-Za-z]+/g, 'ffffffffffffffff');
}

/** The permission a route needs at this URL (`{plural}` resolved to devices). */
function needed(route: RouteEntry): string {
  return (route.permission as string).replace('{plural}', 'devices');
}

interface Outcome {
  status: number;
  message: string;
}

describe('permission matrix over every route', () => {
  const suite = useServer({ env: { STEWARD_DENIALS_PER_MINUTE: '10000' } });
  const catalogue = () => suite.server.services.authenticator.permissions;
  const sessions: Partial<Record<Role, string>> = {};
  let otherTenant: string;
  let readonlyKey: string;
  let adminKey: string;
  let revokedKey: string;
  let expiredKey: string;
  let fineGrainedKey: string;
  const table = routeTable(ROUTES);

  /** Over a real socket, so streaming routes answer their status too (then are cut off). */
  async function request(route: RouteEntry, token: string | undefined): Promise<Outcome> {
    const controller = new AbortController();
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    let body: string | undefined;
    if (route.method !== 'GET' && route.method !== 'DELETE') {
      headers['content-type'] = 'application/json';
      body = '{}';
    }
    const response = await fetch(`${suite.server.url}${urlOf(route)}`, {
      method: route.method,
      headers,
      body,
      signal: controller.signal,
    });
    let message = '';
    if ((response.headers.get('content-type') ?? '').includes('event-stream')) controller.abort();
    else {
      const text = await response.text();
      try {
        message = String(JSON.parse(text).message ?? '');
      } catch {
        message = '';
      }
    }
    return { status: response.status, message };
  }

  async function loginAll(): Promise<void> {
    for (const role of ['viewer', 'operator', 'admin'] as const)
      sessions[role] = await loginToken(suite.server, `matrix-${role}`, PASSWORD);
    otherTenant = await loginToken(suite.server, 'b-admin', PASSWORD, 'tenant-b');
  }

  async function key(body: Record<string, unknown>): Promise<{ key: string; id: string }> {
    const created = await call<{ key: string; id: string }>(suite.server, 'POST', '/api/v1/keys', {
      body,
      token: sessions.admin,
    });
    expect(created.status).toBe(201);
    return created.body;
  }

  beforeAll(async () => {
    for (const role of ['viewer', 'operator', 'admin'])
      expect(
        (
          await call(suite.server, 'POST', '/api/v1/users', {
            body: { username: `matrix-${role}`, password: PASSWORD, role },
          })
        ).status,
      ).toBe(201);
    expect(
      (
        await call(suite.server, 'POST', '/api/v1/tenants', {
          body: { name: 'tenant-b', admin: { username: 'b-admin', password: PASSWORD } },
        })
      ).status,
    ).toBe(201);
    await loginAll();
    expect((await call(suite.server, 'POST', '/api/v1/apply', { body: [device(NAME)] })).status).toBe(200);
    readonlyKey = (await key({ type: 'readonly' })).key;
    fineGrainedKey = (await key({ type: 'fine-grained', name: 'plain', permissions: ['devices:read'] })).key;
    adminKey = (await key({ type: 'admin' })).key;
    const revoked = await key({ type: 'fine-grained', name: 'revoked', permissions: ['devices:read'] });
    expect(
      (await call(suite.server, 'DELETE', `/api/v1/keys/${revoked.id}`, { token: sessions.admin })).status,
    ).toBe(200);
    revokedKey = revoked.key;
    // Expiry is simulated by moving the stored expiry into the past (the clock test is in identity.test.ts).
    const expired = await key({
      type: 'fine-grained',
      name: 'expired',
      permissions: ['devices:read'],
      expiresInDays: 7,
    });
    await suite.server.services.db
      .knex('credentials')
      .where({ id: expired.id })
      .update({ expires_at: '2000-01-01T00:00:00.000Z' });
    suite.server.services.authenticator.invalidate({ credentialId: expired.id });
    expiredKey = expired.key;
  });

  it('refuses to start with a route that declares no permission', () => {
    @Controller('api/v1/forgotten')
    class Forgotten {
      @Get()
      open() {
        return 'open';
      }
    }
    expect(() => assertRoutesDeclarePermissions([...ROUTES, Forgotten])).toThrow(
      'routes without @Permission (refused, they would be open): GET /api/v1/forgotten (Forgotten.open)',
    );
    expect(() => assertRoutesDeclarePermissions(ROUTES)).not.toThrow();
  });

  it('finds a declared permission on every route', () => {
    expect(table.length).toBeGreaterThan(15);
    for (const route of table) expect(route.permission, `${route.method} ${route.path}`).toBeTruthy();
  });

  it.each(table.map((route) => [`${route.method} ${route.path}`, route] as const))(
    '%s',
    async (_label, route) => {
      const permission = needed(route);
      const isPublic = permission === 'public';
      const anyCredential = permission === 'authenticated';
      // `session`: any login session, never an API key.
      const sessionOnly = permission === 'session';
      const expectAllowed = async (outcome: Promise<Outcome>, who: string) => {
        const { status, message } = await outcome;
        expect([401, 403], `${who}: ${status} ${message}`).not.toContain(status);
      };
      const expectDenied = async (outcome: Promise<Outcome>, who: string) => {
        const { status, message } = await outcome;
        expect(status, `${who}: ${message}`).toBe(403);
        expect(message, who).toContain(sessionOnly ? 'needs a login session' : `"${permission}"`);
      };
      const expectUnauthenticated = async (outcome: Promise<Outcome>, who: string, says: RegExp) => {
        const { status, message } = await outcome;
        expect(status, `${who}: ${message}`).toBe(401);
        expect(message, who).toMatch(says);
      };
      const check = async (token: string | undefined, holds: boolean, who: string) =>
        isPublic || anyCredential || holds
          ? expectAllowed(request(route, token), who)
          : expectDenied(request(route, token), who);

      // This file fails authentication on purpose far more often than the per-address limit allows.
      suite.server.services.authenticator.failures.succeed('127.0.0.1');
      if (isPublic) await expectAllowed(request(route, undefined), 'no credential');
      else {
        await expectUnauthenticated(request(route, undefined), 'no credential', /authentication required/);
        await expectUnauthenticated(request(route, revokedKey), 'revoked key', /revoked/);
        await expectUnauthenticated(request(route, expiredKey), 'expired key', /expired/);
        await expectUnauthenticated(
          request(route, 'stw_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'),
          'unknown key',
          /unknown credential/,
        );
      }
      for (const role of ['viewer', 'operator', 'admin'] as const)
        await check(
          sessions[role],
          sessionOnly || rolePermissions(catalogue(), role, 'default').includes(permission),
          `${role} session`,
        );
      await check(readonlyKey, catalogue().keyTypes.readonly.includes(permission), 'read-only key');
      await check(adminKey, catalogue().keyTypes.admin.includes(permission), 'admin key');

      if (sessionOnly) await expectDenied(request(route, fineGrainedKey), 'fine-grained key');
      else if (!isPublic && !anyCredential) {
        const other = permission === 'journal:read' ? 'devices:read' : 'journal:read';
        const without = await key({
          type: 'fine-grained',
          name: `without-${table.indexOf(route)}`,
          permissions: [other],
        });
        await expectDenied(request(route, without.key), 'fine-grained key without the permission');
        const withIt = await call<{ key: string; message: string }>(suite.server, 'POST', '/api/v1/keys', {
          token: sessions.admin,
          body: { type: 'fine-grained', name: `with-${table.indexOf(route)}`, permissions: [permission] },
        });
        if (catalogue().apiKeyCeiling.includes(permission)) {
          expect(withIt.status).toBe(201);
          await expectAllowed(request(route, withIt.body.key), 'fine-grained key with the permission');
        } else {
          // Session-only permissions can never be put on a key: the creation itself is refused.
          expect(withIt.status).toBe(403);
          expect(withIt.body.message).toContain(`"${permission}"`);
        }
      }

      // Another tenant's admin never sees this tenant's resource: 404, not 403.
      if (!isPublic && route.path.includes(':name')) {
        const { status } = await request(route, otherTenant);
        expect(status, 'other tenant').toBe(404);
      }

      // Logout ends the sessions it was called with: log in again for the next routes.
      if (route.path.endsWith('/auth/logout')) await loginAll();
    },
  );
});
