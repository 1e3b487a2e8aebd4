import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { systemContext } from '../../src/context.js';
import type { EnrollTokenView } from '../../src/devices/enroll-tokens.js';
import { call, loginToken, useServer } from '../support/server.js';

const PASSWORD = 'enroll-password-1';

interface Status {
  code: number;
  reason: string;
  message: string;
  details?: { causes?: Array<{ pointer: string; message: string }> };
}
type Created = EnrollTokenView & { token: string };

function ca(name: string) {
  return {
    apiVersion: 'steward.dev/v1',
    kind: 'CertificateAuthority',
    metadata: { name },
    spec: { type: 'root', subject: { commonName: `${name} CA` } },
  };
}

describe('enrollment tokens over the REST API', () => {
  // A small body limit, so that the oversized-body test sends 64 KiB rather than 32 MiB.
  const suite = useServer({ env: { STEWARD_BODY_LIMIT: String(64 * 1024) } });
  let operator: string;
  let viewer: string;
  let otherTenant: string;
  let adminKey: string;

  const create = (body: unknown, token: string = operator) =>
    call<Created & Status>(suite.server, 'POST', '/api/v1/enroll-tokens', { body, token });
  const list = (token: string = operator) =>
    call<{ kind: string; items: EnrollTokenView[] } & Status>(suite.server, 'GET', '/api/v1/enroll-tokens', {
      token,
    });

  beforeAll(async () => {
    for (const [username, role] of [
      ['tok-operator', 'operator'],
      ['tok-viewer', 'viewer'],
    ])
      expect(
        (await call(suite.server, 'POST', '/api/v1/users', { body: { username, password: PASSWORD, role } }))
          .status,
      ).toBe(201);
    expect(
      (
        await call(suite.server, 'POST', '/api/v1/tenants', {
          body: { name: 'tenant-b', admin: { username: 'b-admin', password: PASSWORD } },
        })
      ).status,
    ).toBe(201);
    operator = await loginToken(suite.server, 'tok-operator', PASSWORD);
    viewer = await loginToken(suite.server, 'tok-viewer', PASSWORD);
    otherTenant = await loginToken(suite.server, 'b-admin', PASSWORD, 'tenant-b');
    expect((await call(suite.server, 'POST', '/api/v1/apply', { body: [ca('fleet-issuing')] })).status).toBe(
      200,
    );
    expect(
      (await call(suite.server, 'POST', '/api/v1/apply', { body: [ca('b-issuing')], token: otherTenant }))
        .status,
    ).toBe(200);
    const key = await call<{ key: string }>(suite.server, 'POST', '/api/v1/keys', {
      body: { type: 'admin' },
    });
    expect(key.status).toBe(201);
    adminKey = key.body.key;
  });

  it('creates a token with the defaults, shows its plaintext once and stores only the hash of its secret', async () => {
    const before = Date.now();
    const created = await create({ caRef: 'fleet-issuing' });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^stw_enroll_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(created.body.token.slice(11, 27)).toBe(created.body.id);
    expect(created.body).toMatchObject({
      description: null,
      maxUses: 1,
      uses: 0,
      remaining: 1,
      expired: false,
      labels: {},
      caRef: 'fleet-issuing',
      approval: 'auto',
      createdBy: 'tok-operator',
    });
    // Default lifetime 24h.
    const lifetime = Date.parse(created.body.expiresAt) - before;
    expect(lifetime).toBeGreaterThanOrEqual(24 * 3_600_000 - 1_000);
    expect(lifetime).toBeLessThanOrEqual(24 * 3_600_000 + 5_000);

    const row = await suite.server.services.db.knex('enroll_tokens').where({ id: created.body.id }).first();
    const secret = created.body.token.slice(28);
    expect(row.secret_hash).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(secret);

    const listed = await list();
    expect(listed.status).toBe(200);
    expect(listed.body.kind).toBe('EnrollTokenList');
    const item = listed.body.items.find((candidate) => candidate.id === created.body.id);
    const { token: _token, ...view } = created.body;
    expect(item).toEqual(view);
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    expect(JSON.stringify(listed.body)).not.toContain(row.secret_hash);
  });

  it('takes every field: description, uses, expiry, labels, CA and manual approval', async () => {
    const expiresAt = new Date(Date.now() + 3 * 86_400_000).toISOString().replace('.000Z', 'Z');
    const created = await create({
      description: 'lab laptops',
      maxUses: 50,
      expiresAt,
      labels: { team: 'infra', 'steward.dev/ring': 'canary', empty: '' },
      caRef: 'fleet-issuing',
      approval: 'manual',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      description: 'lab laptops',
      maxUses: 50,
      remaining: 50,
      expiresAt: new Date(expiresAt).toISOString(),
      labels: { team: 'infra', 'steward.dev/ring': 'canary', empty: '' },
      approval: 'manual',
    });
    const inWeek = await create({ caRef: 'fleet-issuing', expiresIn: '7d' });
    expect(inWeek.status).toBe(201);
    expect(Date.parse(inWeek.body.expiresAt) - Date.now()).toBeGreaterThan(7 * 86_400_000 - 10_000);
  });

  it('answers every problem of a bad body at once, each at its pointer, never a 500', async () => {
    const reply = await create({
      maxUses: 0,
      expiresIn: '9000h',
      expiresAt: 'tomorrow',
      labels: { 'bad key!': 'x', team: 'not ok!' },
      approval: 'sometimes',
      color: 'blue',
    });
    expect(reply.status).toBe(422);
    expect(reply.body.reason).toBe('Invalid');
    const pointers = (reply.body.details?.causes ?? []).map((cause) => cause.pointer).sort();
    expect(pointers).toEqual([
      '/approval',
      '/caRef',
      '/color',
      '/expiresAt',
      '/expiresIn',
      '/expiresIn',
      '/labels/bad key!',
      '/labels/team',
      '/maxUses',
    ]);
    const messages = JSON.stringify(reply.body.details?.causes);
    expect(messages).toContain('must be at most 8760h');
    expect(messages).toContain('give expiresIn or expiresAt, not both');

    for (const body of [[], 'text', null, { caRef: 42 }, { caRef: 'fleet-issuing', maxUses: 100_001 }]) {
      const bad = await create(body);
      expect([400, 422], JSON.stringify(body)).toContain(bad.status);
    }
  });

  it('refuses a CA the tenant does not have and an expiry in the past or too far, together', async () => {
    const reply = await create({ caRef: 'b-issuing', expiresAt: '2000-01-01T00:00:00Z' });
    expect(reply.status).toBe(422);
    expect(reply.body.details?.causes).toEqual([
      { pointer: '/expiresAt', message: expect.stringContaining('must be in the future') },
      { pointer: '/caRef', message: 'CertificateAuthority "b-issuing" not found' },
    ]);
    const far = await create({ caRef: 'fleet-issuing', expiresAt: '2999-01-01T00:00:00+02:00' });
    expect(far.status).toBe(422);
    expect(far.body.details?.causes).toEqual([
      { pointer: '/expiresAt', message: 'must be at most 8760h from now' },
    ]);
    const impossible = await create({ caRef: 'fleet-issuing', expiresAt: '2030-02-30T00:00:00Z' });
    expect(impossible.body.details?.causes).toEqual([
      { pointer: '/expiresAt', message: 'must be a valid RFC 3339 time' },
    ]);
  });

  it('refuses oversized bodies with 413, and more labels or a longer description than allowed with 422', async () => {
    const reply = await create({ caRef: 'fleet-issuing', description: 'x'.repeat(65 * 1024) });
    expect(reply.status).toBe(413);
    expect(reply.body.message).toContain(String(64 * 1024));
    const labels = Object.fromEntries(Array.from({ length: 65 }, (_, index) => [`k${index}`, 'v']));
    expect((await create({ caRef: 'fleet-issuing', labels })).status).toBe(422);
    expect((await create({ caRef: 'fleet-issuing', description: 'x'.repeat(257) })).status).toBe(422);
  });

  it('is session only: an admin API key gets 403 naming the permission, a viewer too', async () => {
    for (const [method, url, body] of [
      ['GET', '/api/v1/enroll-tokens', undefined],
      ['POST', '/api/v1/enroll-tokens', { caRef: 'fleet-issuing' }],
      ['DELETE', '/api/v1/enroll-tokens/0123456789abcdef', undefined],
    ] as const) {
      for (const token of [adminKey, viewer]) {
        const reply = await call<Status>(suite.server, method, url, { body, token });
        expect(reply.status, `${method} ${url}`).toBe(403);
        expect(reply.body.message).toContain('"enroll-tokens:write"');
      }
    }
    const fineGrained = await call<Status>(suite.server, 'POST', '/api/v1/keys', {
      body: { type: 'fine-grained', name: 'minter', permissions: ['enroll-tokens:write'] },
    });
    expect(fineGrained.status).toBe(403);
  });

  it('keeps tenants apart: another tenant neither lists nor deletes a token (404 as for an unknown id)', async () => {
    const created = await create({ caRef: 'fleet-issuing', description: 'tenant a' });
    const theirs = await create({ caRef: 'b-issuing' }, otherTenant);
    expect(theirs.status).toBe(201);
    const listed = await list(otherTenant);
    expect(listed.body.items.map((item) => item.id)).toEqual([theirs.body.id]);
    expect((await list()).body.items.map((item) => item.id)).not.toContain(theirs.body.id);

    const foreign = await call<Status>(suite.server, 'DELETE', `/api/v1/enroll-tokens/${created.body.id}`, {
      token: otherTenant,
    });
    const unknown = await call<Status>(suite.server, 'DELETE', '/api/v1/enroll-tokens/0123456789abcdef', {
      token: otherTenant,
    });
    expect(foreign.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(foreign.body.message.replace(created.body.id, 'ID')).toBe(
      unknown.body.message.replace('0123456789abcdef', 'ID'),
    );
    expect(
      (await call(suite.server, 'DELETE', `/api/v1/enroll-tokens/${'z'.repeat(80)}`, { token: operator }))
        .status,
    ).toBe(404);

    const deleted = await call<EnrollTokenView>(
      suite.server,
      'DELETE',
      `/api/v1/enroll-tokens/${created.body.id}`,
      {
        token: operator,
      },
    );
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ id: created.body.id, description: 'tenant a' });
    expect((await list()).body.items.map((item) => item.id)).not.toContain(created.body.id);
    const again = await call(suite.server, 'DELETE', `/api/v1/enroll-tokens/${created.body.id}`, {
      token: operator,
    });
    expect(again.status).toBe(404);
    // A deleted token no longer authenticates.
    const found = await suite.server.services.enrollTokens.authenticate(created.body.token, new Date());
    expect(found).toMatchObject({ ok: false, reason: 'Unknown' });
  });

  it('journals created and deleted with what the token grants, never its secret or hash', async () => {
    const created = await create({
      caRef: 'fleet-issuing',
      description: 'journaled',
      labels: { team: 'audit' },
      maxUses: 3,
    });
    const secret = created.body.token.slice(28);
    const row = await suite.server.services.db.knex('enroll_tokens').where({ id: created.body.id }).first();
    await call(suite.server, 'DELETE', `/api/v1/enroll-tokens/${created.body.id}`, { token: operator });
    const journal = await call<{
      items: Array<{
        operation: string;
        kind: string;
        name: string;
        result: string;
        actor: { name: string };
        changes: unknown;
      }>;
    }>(suite.server, 'GET', `/api/v1/journal?kind=EnrollToken&name=${created.body.id}`);
    expect(journal.status).toBe(200);
    const entries = journal.body.items.map((entry) => [
      entry.operation,
      entry.result,
      entry.kind,
      entry.name,
    ]);
    expect(entries).toEqual(
      expect.arrayContaining([
        ['enroll-token.create', 'created', 'EnrollToken', created.body.id],
        ['enroll-token.delete', 'deleted', 'EnrollToken', created.body.id],
      ]),
    );
    const text = JSON.stringify(journal.body);
    expect(text).toContain('"caRef":"fleet-issuing"');
    expect(text).toContain('"team":"audit"');
    expect(text).toContain('"maxUses":3');
    expect(text).toContain('journaled');
    expect(text).toContain('tok-operator');
    expect(text).not.toContain(secret);
    expect(text).not.toContain(row.secret_hash);

    const exported = await call(suite.server, 'GET', '/api/v1/journal/export?format=ndjson');
    expect(String(exported.body)).not.toContain(secret);
    expect(String(exported.body)).not.toContain(row.secret_hash);
  });

  it('authenticates a presented token: malformed, unknown, wrong secret, expired, used up', async () => {
    const service = suite.server.services.enrollTokens;
    const created = await create({ caRef: 'fleet-issuing', maxUses: 2, labels: { team: 'x' } });
    const { id, token } = created.body;
    const now = new Date();

    const ok = await service.authenticate(token, now);
    expect(ok.ok).toBe(true);
    if (ok.ok)
      expect(ok.token).toMatchObject({
        id,
        tenant: 'default',
        labels: { team: 'x' },
        ca_name: 'fleet-issuing',
      });

    for (const text of [
      '',
      'stw_enroll_',
      `${token}x`,
      token.replace('stw_enroll_', 'stw_'),
      42 as unknown as string,
    ])
      expect(await service.authenticate(text, now)).toEqual({
        ok: false,
        reason: 'Malformed',
        message: 'enrollment token is malformed (expected stw_enroll_<16 hex>_<43 base64url>)',
      });
    const wrongSecret = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    const unknownId = `stw_enroll_0123456789abcdef_${token.slice(28)}`;
    expect(await service.authenticate(wrongSecret, now)).toEqual({
      ok: false,
      reason: 'Unknown',
      message: `enrollment token ${id} is unknown`,
    });
    expect(await service.authenticate(unknownId, now)).toEqual({
      ok: false,
      reason: 'Unknown',
      message: 'enrollment token 0123456789abcdef is unknown',
    });

    const later = new Date(Date.parse(created.body.expiresAt) + 1);
    expect(await service.authenticate(token, later)).toEqual({
      ok: false,
      reason: 'Expired',
      message: `enrollment token ${id} expired at ${created.body.expiresAt}`,
    });

    const db = suite.server.services.db;
    expect(await db.transaction((trx) => service.consume(trx, id, now))).toBe(true);
    expect(await db.transaction((trx) => service.consume(trx, id, later))).toBe(false);
    expect(await db.transaction((trx) => service.consume(trx, id, now))).toBe(true);
    expect(await db.transaction((trx) => service.consume(trx, id, now))).toBe(false);
    expect(await service.authenticate(token, now)).toEqual({
      ok: false,
      reason: 'UsedUp',
      message: `enrollment token ${id} has been used 2 of 2 times`,
    });
    const listed = (await list()).body.items.find((item) => item.id === id);
    expect(listed).toMatchObject({ uses: 2, remaining: 0, expired: false });
  });

  it('checks the permission in the service too (a context without it is refused)', async () => {
    const denied = {
      ...systemContext('default', { type: 'user', id: 'x', name: 'x' }, 'r'),
      authorize(permission: string) {
        throw new Error(`lacks ${permission}`);
      },
    };
    await expect(suite.server.services.enrollTokens.list(denied)).rejects.toThrow(
      'lacks enroll-tokens:write',
    );
  });
});
