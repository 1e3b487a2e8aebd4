/**
 * Short-lived personal tokens (issue #16, item 7): minted from a login session for its user, at
 * most 12 hours, with a subset of the user's permissions (never session-only ones), listed and
 * revoked by their owner and admins, and dead on the next request once revoked.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { call, loginToken, useServer } from '../support/server.js';

const suite = useServer();
let operator: string;
let viewer: string;

interface Created {
  token: string;
  id: string;
  type: string;
  permissions: string[];
  expiresAt: string;
  lifetimeSeconds: number;
}

beforeAll(async () => {
  for (const [username, role] of [
    ['olga', 'operator'],
    ['victor', 'viewer'],
  ]) {
    const reply = await call(suite.server, 'POST', '/api/v1/users', {
      body: { username, password: 'a long enough password', role },
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  }
  operator = await loginToken(suite.server, 'olga', 'a long enough password');
  viewer = await loginToken(suite.server, 'victor', 'a long enough password');
});

const create = (token: string, body: Record<string, unknown>) =>
  call<Created & { message: string }>(suite.server, 'POST', '/api/v1/auth/tokens', { body, token });

describe('personal tokens', () => {
  it('mints a token for the user with chosen permissions and lifetime, shown once', async () => {
    const reply = await create(operator, {
      ttlSeconds: 8 * 3600,
      permissions: ['devices:read'],
      description: 'laptop',
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    expect(reply.headers['cache-control']).toBe('no-store');
    expect(reply.body).toMatchObject({
      type: 'personal',
      name: 'laptop',
      user: 'olga',
      permissions: ['devices:read'],
      lifetimeSeconds: 28_800,
    });
    expect(reply.body.token).toMatch(/^stt_/);
    const hours = (Date.parse(reply.body.expiresAt) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(7.9);
    expect(hours).toBeLessThanOrEqual(8);

    const token = reply.body.token;
    expect((await call(suite.server, 'GET', '/api/v1/devices', { token })).status).toBe(200);
    const write = await call<{ message: string }>(suite.server, 'POST', '/api/v1/apply', {
      body: [
        {
          apiVersion: 'steward.dev/v1',
          kind: 'Device',
          metadata: { name: 'd1' },
          spec: { platform: 'linux', permanentIdentifier: 'x' },
        },
      ],
      token,
    });
    expect(write.status).toBe(403);
    expect(write.body.message).toContain('personal token');
    expect(write.body.message).toContain('devices:write');
    const listed = await call<{ items: Array<{ id: string }> }>(suite.server, 'GET', '/api/v1/auth/tokens', {
      token: operator,
    });
    expect(listed.body.items.map((item) => item.id)).toContain(reply.body.id);
    expect(JSON.stringify(listed.body)).not.toContain(token);
  });

  it('acts as its user in the journal', async () => {
    const { token } = (await create(operator, { permissions: ['devices:read', 'devices:write'] })).body;
    const applied = await call(suite.server, 'POST', '/api/v1/apply', {
      body: [
        {
          apiVersion: 'steward.dev/v1',
          kind: 'Device',
          metadata: { name: 'by-token' },
          spec: { platform: 'linux', permanentIdentifier: 'bt' },
        },
      ],
      token,
    });
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    const journal = await call<{ items: Array<{ actor: { type: string; name: string } }> }>(
      suite.server,
      'GET',
      '/api/v1/journal?name=by-token',
    );
    expect(journal.body.items[0]?.actor).toMatchObject({ type: 'user', name: 'olga' });
  });

  it('defaults to an hour and every permission of the role but the session-only ones', async () => {
    const reply = await create(operator, {});
    expect(reply.status).toBe(201);
    expect(reply.body.lifetimeSeconds).toBe(3600);
    const me = await call<{ permissions: string[] }>(suite.server, 'GET', '/api/v1/auth/me', {
      token: reply.body.token,
    });
    expect(me.body.permissions).toContain('devices:write');
    expect(me.body.permissions).not.toContain('keys:write');
    expect(me.body.permissions).not.toContain('enroll-tokens:write');
  });

  it('refuses more than 12 hours, permissions the user lacks, session-only ones and unknown ones', async () => {
    expect((await create(operator, { ttlSeconds: 12 * 3600 + 1 })).status).toBe(422);
    const lacking = await create(viewer, { permissions: ['devices:write'] });
    expect(lacking.status).toBe(403);
    expect(lacking.body.message).toContain('"devices:write" is not held by user victor');
    expect((await create(operator, { permissions: ['keys:write'] })).status).toBe(403);
    const unknown = await create(operator, { permissions: ['nope:read'] });
    expect(unknown.status).toBe(403);
    expect(unknown.body.message).toContain('not a Steward permission');
  });

  it('is created, listed and revoked only with a session, never with a key or a token', async () => {
    const { token } = (await create(operator, {})).body;
    const again = await create(token, {});
    expect(again.status).toBe(403);
    expect(again.body.message).toContain('needs a login session');
    expect((await call(suite.server, 'GET', '/api/v1/auth/tokens', { token })).status).toBe(403);
  });

  it('is revoked by its owner or an admin, not by another user, and stops working on the next request', async () => {
    const created = (await create(operator, {})).body;
    expect(
      (await call(suite.server, 'DELETE', `/api/v1/auth/tokens/${created.id}`, { token: viewer })).status,
    ).toBe(404);
    expect((await call(suite.server, 'GET', '/api/v1/devices', { token: created.token })).status).toBe(200);
    expect(
      (await call(suite.server, 'DELETE', `/api/v1/auth/tokens/${created.id}`, { token: operator })).status,
    ).toBe(200);
    const after = await call<{ message: string }>(suite.server, 'GET', '/api/v1/devices', {
      token: created.token,
    });
    expect(after.status).toBe(401);
    expect(after.body.message).toContain(`personal token ${created.id} was revoked`);

    const other = (await create(operator, {})).body;
    const adminList = await call<{ items: Array<{ id: string; user: string }> }>(
      suite.server,
      'GET',
      '/api/v1/auth/tokens',
    );
    expect(adminList.body.items.find((item) => item.id === other.id)?.user).toBe('olga');
    expect((await call(suite.server, 'DELETE', `/api/v1/auth/tokens/${other.id}`)).status).toBe(200);
    expect((await call(suite.server, 'GET', '/api/v1/devices', { token: other.token })).status).toBe(401);
  });

  it('ends with a password change of its user', async () => {
    const { token } = (await create(operator, {})).body;
    const changed = await call(suite.server, 'POST', '/api/v1/auth/password', {
      body: { currentPassword: 'a long enough password', newPassword: 'another long password' },
      token: operator,
    });
    expect(changed.status).toBe(204);
    expect((await call(suite.server, 'GET', '/api/v1/devices', { token })).status).toBe(401);
  });

  it('journals creation and revocation, never the token', async () => {
    const journal = await call<{ items: Array<{ operation: string; result: string; reason: string }> }>(
      suite.server,
      'GET',
      '/api/v1/journal?operation=auth.token&limit=100',
    );
    const results = new Set(journal.body.items.map((item) => item.result));
    expect(results).toEqual(new Set(['created', 'revoked']));
    expect(JSON.stringify(journal.body)).not.toMatch(/stt_[0-9a-f]{16}_/);
  });
});
