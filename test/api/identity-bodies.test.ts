import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../src/api/http.module.js';
import { routeTable } from '../../src/api/route-table.js';
import { BODY_SCHEMA_KEY } from '../../src/api/valid-body.js';
import { call, loginToken, useServer } from '../support/server.js';

interface StatusBody {
  code: number;
  reason: string;
  message: string;
  details?: { causes?: Array<{ pointer: string; message: string }> };
}

const PASSWORD = 'bodies-password-1';

/** The identity routes whose bodies are checked by a schema, found by the metadata ValidBody leaves. */
function routesWithBodySchemas() {
  const schemaOf = new Map<string, unknown>();
  for (const route of ROUTES)
    for (const name of Object.getOwnPropertyNames(route.prototype)) {
      const handler = (route.prototype as unknown as Record<string, unknown>)[name];
      if (typeof handler !== 'function') continue;
      const schema: unknown = Reflect.getMetadata(BODY_SCHEMA_KEY, handler);
      if (schema) schemaOf.set(`${route.name}.${name}`, schema);
    }
  return routeTable(ROUTES).filter((route) => schemaOf.has(route.handler));
}

describe('identity request bodies', () => {
  const suite = useServer();

  it('covers every route that takes a body: login, logout, password, keys, users and tenants', () => {
    expect(routesWithBodySchemas().map((route) => `${route.method} ${route.path}`)).toEqual(
      expect.arrayContaining([
        'POST /api/v1/auth/login',
        'POST /api/v1/auth/logout',
        'POST /api/v1/auth/password',
        'POST /api/v1/keys',
        'POST /api/v1/keys/:id/rotate',
        'DELETE /api/v1/keys/:id',
        'POST /api/v1/users',
        'PUT /api/v1/users/:name',
        'POST /api/v1/tenants',
      ]),
    );
  });

  it('reports three problems of one body as three causes, each with its pointer', async () => {
    const reply = await call<StatusBody>(suite.server, 'POST', '/api/v1/users', {
      body: { username: 'bad name!', password: 'short', role: 'root' },
    });
    expect(reply.status).toBe(422);
    expect(reply.body.reason).toBe('Invalid');
    expect(reply.body.details?.causes).toEqual([
      { pointer: '/username', message: 'must be 1 to 63 letters, digits, ".", "_", "@" or "-"' },
      { pointer: '/password', message: 'must be at least 12 characters long' },
      { pointer: '/role', message: 'must be one of "viewer", "operator", "admin" (got "root")' },
    ]);
    expect(reply.body.message).toBe(
      'invalid request body: username: must be 1 to 63 letters, digits, ".", "_", "@" or "-"; ' +
        'password: must be at least 12 characters long; role: must be one of "viewer", "operator", "admin" (got "root")',
    );
  });

  it('reports the rules between fields with the shape: a key type and what it may carry', async () => {
    const fineGrained = await call<StatusBody>(suite.server, 'POST', '/api/v1/keys', {
      body: { type: 'fine-grained', slot: 'primary', expiresInDays: 0 },
    });
    expect(fineGrained.status).toBe(422);
    expect(fineGrained.body.details?.causes).toEqual(
      expect.arrayContaining([
        { pointer: '/name', message: 'missing required field "name"' },
        { pointer: '/permissions', message: 'missing required field "permissions"' },
        { pointer: '/slot', message: 'is only for admin and readonly keys' },
        {
          pointer: '/expiresInDays',
          message: 'must be a whole number of days from 1 to 365 (7, 30, 90, 365 or custom)',
        },
      ]),
    );
    expect(fineGrained.body.details?.causes).toHaveLength(4);

    const slot = await call<StatusBody>(suite.server, 'POST', '/api/v1/keys', {
      body: { type: 'readonly', slot: 'secondary', name: 'readonly-primary', permissions: ['devices:read'] },
    });
    expect(slot.status).toBe(422);
    expect(slot.body.details?.causes).toEqual([
      { pointer: '/permissions', message: 'is only for fine-grained keys' },
      {
        pointer: '/name',
        message: 'must be readonly-secondary or omitted: a slot key is named after its slot',
      },
    ]);
    // Named after its slot, the same body is a key.
    const named = await call(suite.server, 'POST', '/api/v1/keys', {
      body: { type: 'readonly', slot: 'secondary', name: 'readonly-secondary' },
    });
    expect(named.status).toBe(201);
  });

  it('refuses unknown fields, naming their pointer, nested ones too', async () => {
    const reply = await call<StatusBody>(suite.server, 'POST', '/api/v1/tenants', {
      body: { name: 'acme', admin: { username: 'alice', password: PASSWORD, isRoot: true }, plan: 'gold' },
    });
    expect(reply.status).toBe(422);
    expect(reply.body.details?.causes).toEqual([
      { pointer: '/plan', message: 'unknown field "plan"' },
      { pointer: '/admin/isRoot', message: 'unknown field "isRoot"' },
    ]);
    expect((await call(suite.server, 'GET', '/api/v1/tenants')).body).not.toMatchObject({
      items: expect.arrayContaining([expect.objectContaining({ name: 'acme' })]),
    });
  });

  it('refuses oversize fields before any work, and never echoes a password', async () => {
    const huge = `p${'w'.repeat(1024)}`;
    const login = await call<StatusBody>(suite.server, 'POST', '/api/v1/auth/login', {
      token: null,
      body: { username: 'u'.repeat(64), password: huge, tenant: 't'.repeat(64) },
    });
    expect(login.status).toBe(422);
    expect(login.body.details?.causes).toEqual([
      { pointer: '/username', message: 'must be at most 63 characters long' },
      { pointer: '/password', message: 'must be at most 1024 characters long' },
      { pointer: '/tenant', message: 'must be at most 63 characters long' },
      {
        pointer: '/tenant',
        message: 'must be a DNS-1123 label (lower-case letters, digits, "-"; at most 63)',
      },
    ]);
    expect(JSON.stringify(login.body)).not.toContain(huge.slice(0, 40));
    // Refused as malformed, not counted as a failed login of anyone.
    const { limits } = suite.server.services.identity.sessions;
    expect(
      await suite.server.services.db
        .knex('login_attempts')
        .where({ limit_key: limits.addressKey('127.0.0.1') })
        .pluck('attempt'),
    ).toEqual([]);

    const user = await call<StatusBody>(suite.server, 'POST', '/api/v1/users', {
      body: { username: 'long-pw', password: huge },
    });
    expect(user.status).toBe(422);
    expect(user.body.details?.causes).toEqual([
      { pointer: '/password', message: 'must be at most 1024 characters long' },
    ]);
    expect(JSON.stringify(user.body)).not.toContain(huge.slice(0, 40));

    const permissions = await call<StatusBody>(suite.server, 'POST', '/api/v1/keys', {
      body: { type: 'fine-grained', name: 'many', permissions: ['x'.repeat(129)] },
    });
    expect(permissions.body.details?.causes).toEqual([
      { pointer: '/permissions/0', message: 'must be at most 128 characters long' },
    ]);
  });

  it('answers 4xx, never 500, to any malformed body on every route that takes one', async () => {
    const routes = routesWithBodySchemas();
    const admin = await loginToken(suite.server, 'admin', 'test-admin-password');
    const malformed: unknown[] = [
      null,
      [],
      [{ username: 'admin' }],
      'text',
      42,
      true,
      { username: null, password: null, name: null, role: null, admin: null, type: null },
      { username: 7, password: ['x'], name: {}, role: 1.5, admin: [], type: { a: 1 }, permissions: 'x' },
      { __unknown__: 1, 'a/b~c': 2 },
    ];
    for (const route of routes) {
      const url = route.path.replace(':id', 'ffffffffffffffff').replace(':name', 'admin');
      for (const body of malformed) {
        const reply = await call<StatusBody>(suite.server, route.method, url, {
          token: route.path.endsWith('/login') ? null : admin,
          body,
        });
        const what = `${route.method} ${url} ${JSON.stringify(body)}`;
        expect(reply.status, what).toBe(422);
        expect(reply.body.details?.causes?.length, what).toBeGreaterThan(0);
      }
      for (const payload of ['{"username": ', '', 'null']) {
        const raw = await suite.server.app.inject({
          method: route.method as 'POST',
          url,
          headers: {
            'content-type': 'application/json',
            ...(route.path.endsWith('/login') ? {} : { authorization: `Bearer ${admin}` }),
          },
          payload,
        });
        expect([400, 422], `${route.method} ${url} ${JSON.stringify(payload)}`).toContain(raw.statusCode);
      }
    }
    // The admin's session survived every malformed logout.
    expect((await call(suite.server, 'GET', '/api/v1/auth/me', { token: admin })).status).toBe(200);
  });

  it('checks a user update for something to change once the user is found', async () => {
    const empty = await call<StatusBody>(suite.server, 'PUT', '/api/v1/users/admin', { body: {} });
    expect(empty.status).toBe(422);
    expect(empty.body.details?.causes).toEqual([
      { pointer: '', message: 'nothing to change: give role and/or password' },
    ]);
    expect((await call(suite.server, 'PUT', '/api/v1/users/nobody', { body: {} })).status).toBe(404);
  });

  it('lists at most 50 problems, saying how many more there were', async () => {
    const body = Object.fromEntries(Array.from({ length: 60 }, (_, index) => [`extra${index}`, index]));
    const reply = await call<StatusBody>(suite.server, 'POST', '/api/v1/keys/ffffffffffffffff/rotate', {
      body,
    });
    expect(reply.status).toBe(422);
    expect(reply.body.details?.causes).toHaveLength(50);
    expect(reply.body.details?.causes?.[49]).toEqual({
      pointer: '/extra49',
      message: 'unknown field "extra49"',
    });
    expect(reply.body.message).toMatch(/; and 10 more$/);
  });

  it('escapes pointers of unknown fields (RFC 6901)', async () => {
    const reply = await call<StatusBody>(suite.server, 'POST', '/api/v1/keys/ffffffffffffffff/rotate', {
      body: { 'a/b~c': 1 },
    });
    expect(reply.body.details?.causes).toEqual([{ pointer: '/a~1b~0c', message: 'unknown field "a/b~c"' }]);
  });

  it('takes a route without a body as an empty one', async () => {
    const session = await loginToken(suite.server, 'admin', 'test-admin-password');
    const created = await call<{ id: string }>(suite.server, 'POST', '/api/v1/keys', {
      token: session,
      body: { type: 'admin' },
    });
    expect(created.status).toBe(201);
    expect(
      (await call(suite.server, 'DELETE', `/api/v1/keys/${created.body.id}`, { token: session })).status,
    ).toBe(200);
    expect((await call(suite.server, 'POST', '/api/v1/auth/logout', { token: session })).status).toBe(204);
    const missing = await call<StatusBody>(suite.server, 'POST', '/api/v1/auth/login', { token: null });
    expect(missing.status).toBe(422);
    expect(missing.body.details?.causes).toEqual([
      { pointer: '/username', message: 'missing required field "username"' },
      { pointer: '/password', message: 'missing required field "password"' },
    ]);
  });
});
