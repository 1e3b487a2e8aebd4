import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkSbom } from '../../src/artifacts/sbom.js';
import type { StewardServer } from '../../src/server.js';
import { DIALECTS } from '../support/databases.js';
import { adminToken, call, useServer } from '../support/server.js';
import { artifact, roleSessions } from './support.js';

const SPDX = {
  spdxVersion: 'SPDX-2.3',
  dataLicense: 'CC0-1.0',
  SPDXID: 'SPDXRef-DOCUMENT',
  name: 'agent-2.4.1',
  documentNamespace: 'https://updates.example.com/spdx/agent-2.4.1',
  creationInfo: { created: '2026-12-01T00:00:00Z', creators: ['Tool: syft-1.0'] },
  packages: [
    { SPDXID: 'SPDXRef-agent', name: 'agent', versionInfo: '2.4.1', downloadLocation: 'NOASSERTION' },
  ],
};
const CYCLONEDX = {
  bomFormat: 'CycloneDX',
  specVersion: '1.5',
  version: 1,
  components: [{ type: 'library', name: 'openssl', version: '3.0.13' }],
};

/** A raw PUT of an SBOM body with its content type. */
async function put(
  server: StewardServer,
  name: string,
  contentType: string,
  payload: string,
  token?: string,
) {
  const response = await server.app.inject({
    method: 'PUT',
    url: `/api/v1/artifacts/${name}/sbom`,
    headers: { authorization: `Bearer ${token ?? adminToken(server)}`, 'content-type': contentType },
    payload,
  });
  return {
    status: response.statusCode,
    body: JSON.parse(response.body) as Record<string, unknown> & { message: string },
  };
}

async function get(server: StewardServer, name: string, token?: string) {
  return server.app.inject({
    method: 'GET',
    url: `/api/v1/artifacts/${name}/sbom`,
    headers: { authorization: `Bearer ${token ?? adminToken(server)}` },
  });
}

describe('the top-level shape of an SBOM (pure)', () => {
  it.each<[string, string, 'spdx' | 'cyclonedx' | undefined, string]>([
    ['SPDX detected from application/json', JSON.stringify(SPDX), undefined, 'spdx'],
    ['CycloneDX detected from application/json', JSON.stringify(CYCLONEDX), undefined, 'cyclonedx'],
    ['SPDX as declared', JSON.stringify(SPDX), 'spdx', 'spdx'],
  ])('%s', (_label, text, declared, format) =>
    expect(checkSbom(text, declared)).toEqual({ ok: true, format }),
  );

  it('names every problem of a wrong SPDX document at its pointer', () => {
    const checked = checkSbom(JSON.stringify({ spdxVersion: '2.3', name: '' }), 'spdx');
    expect(checked.ok).toBe(false);
    if (checked.ok || checked.status !== 'invalid') throw new Error('expected invalid');
    expect(checked.problems.map((problem) => problem.pointer)).toEqual([
      '/spdxVersion',
      '/SPDXID',
      '/name',
      '/dataLicense',
      '/documentNamespace',
      '/creationInfo',
    ]);
  });

  it('says which format a document sent under the other type looks like', () => {
    const checked = checkSbom(JSON.stringify(CYCLONEDX), 'spdx');
    expect(checked.ok).toBe(false);
    expect(!checked.ok && checked.message).toContain(
      'sent as application/spdx+json (it looks like CycloneDX)',
    );
  });
});

describe.each(DIALECTS)('artifact SBOMs and subresource permissions on $dialect', ({ create }) => {
  const suite = useServer({ database: create });
  let sessions: Awaited<ReturnType<typeof roleSessions>>;

  beforeAll(async () => {
    sessions = await roleSessions(suite.server);
    expect(
      (await call(suite.server, 'POST', '/api/v1/apply', { body: [artifact('agent-2-4-1')] })).status,
    ).toBe(200);
    // The other tenant has an artifact of the same name: never seen from here, nor this one from there.
    expect(
      (
        await call(suite.server, 'POST', '/api/v1/apply', {
          body: [artifact('agent-2-4-1', { version: '9.9.9' }), artifact('only-b')],
          token: sessions.otherTenant,
        })
      ).status,
    ).toBe(200);
  });

  it('answers 404 naming the artifact before any SBOM is attached', async () => {
    const response = await get(suite.server, 'agent-2-4-1');
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body).message).toContain('Artifact "agent-2-4-1" has no SBOM');
  });

  it.each([
    ['SPDX', 'application/spdx+json', SPDX, 'spdx'],
    ['CycloneDX', 'application/vnd.cyclonedx+json', CYCLONEDX, 'cyclonedx'],
    ['SPDX sent as application/json', 'application/json', SPDX, 'spdx'],
    [
      'CycloneDX sent as application/json; charset=utf-8',
      'application/json; charset=utf-8',
      CYCLONEDX,
      'cyclonedx',
    ],
  ])(
    'round-trips %s: stored as sent, served in its own type, journaled without the document',
    async (_l, type, doc, format) => {
      const text = `${JSON.stringify(doc, null, 2)}\n`;
      const sha256 = createHash('sha256').update(text).digest('hex');
      const attached = await put(suite.server, 'agent-2-4-1', type, text, sessions.operator);
      expect(attached.status, attached.body.message).toBe(200);
      expect(attached.body).toMatchObject({
        kind: 'ArtifactSbom',
        format,
        size: Buffer.byteLength(text),
        sha256,
      });
      const served = await get(suite.server, 'agent-2-4-1', sessions.viewer);
      expect(served.statusCode).toBe(200);
      expect(served.headers['content-type']).toBe(
        `${format === 'spdx' ? 'application/spdx+json' : 'application/vnd.cyclonedx+json'}; charset=utf-8`,
      );
      expect(served.headers['x-content-type-options']).toBe('nosniff');
      expect(served.body).toBe(text);
      const journal = await call<{
        items: Array<{ operation: string; kind: string; name: string; changes: unknown }>;
      }>(suite.server, 'GET', '/api/v1/journal?operation=attach');
      const entry = journal.body.items.find((item) => JSON.stringify(item.changes).includes(sha256));
      expect(entry).toMatchObject({ operation: 'attach', kind: 'Artifact', name: 'agent-2-4-1' });
      expect(JSON.stringify(entry)).toContain(`"format":"${format}"`);
      expect(JSON.stringify(journal.body)).not.toContain('openssl');
      expect(JSON.stringify(journal.body)).not.toContain('SPDXRef-agent');
    },
  );

  it.each<[string, string, string, number, RegExp]>([
    ['text that is not JSON', 'application/spdx+json', '{"spdxVersion": ', 400, /the SBOM is not JSON/],
    ['JSON that is not an object', 'application/vnd.cyclonedx+json', '[1, 2]', 422, /must be a JSON object/],
    [
      'a CycloneDX document without specVersion',
      'application/vnd.cyclonedx+json',
      '{"bomFormat":"CycloneDX"}',
      422,
      /\/specVersion must be a string such as "1.5"/,
    ],
    [
      'an SPDX document with the wrong version',
      'application/spdx+json',
      JSON.stringify({ ...SPDX, spdxVersion: '2.3' }),
      422,
      /\/spdxVersion must be a string starting with "SPDX-"/,
    ],
    ['JSON of neither format', 'application/json', '{"name":"x"}', 422, /neither SPDX .* nor CycloneDX/],
    [
      'a manifest as YAML',
      'application/yaml',
      'kind: Artifact\n',
      415,
      /an SBOM is sent as application\/spdx\+json, application\/vnd.cyclonedx\+json, application\/json/,
    ],
    ['plain text', 'text/plain', 'hello', 415, /not text\/plain/],
    ['an unknown type', 'application/octet-stream', 'x', 415, /.+/],
  ])('refuses %s, storing nothing', async (_label, type, payload, status, message) => {
    const before = await get(suite.server, 'agent-2-4-1');
    const refused = await put(suite.server, 'agent-2-4-1', type, payload);
    expect(refused.status, refused.body.message).toBe(status);
    expect(refused.body.message).toMatch(message);
    const after = await get(suite.server, 'agent-2-4-1');
    expect(after.body).toBe(before.body);
  });

  it('refuses an SBOM past 5 MiB with 413 naming the limit', async () => {
    const big = JSON.stringify({ ...CYCLONEDX, padding: 'x'.repeat(5 * 1024 * 1024) });
    const refused = await put(suite.server, 'agent-2-4-1', 'application/vnd.cyclonedx+json', big);
    expect(refused.status).toBe(413);
    expect(refused.body.message).toContain('at most 5242880 bytes (5 MiB)');
  });

  it('checks permissions on every route: viewers read, cannot upload or rotate; operators upload, cannot rotate', async () => {
    const text = JSON.stringify(SPDX);
    const viewerPut = await put(suite.server, 'agent-2-4-1', 'application/spdx+json', text, sessions.viewer);
    expect(viewerPut.status).toBe(403);
    expect(viewerPut.body.message).toContain('"artifacts:write"');
    for (const token of [sessions.viewer, sessions.operator]) {
      const rotate = await call(suite.server, 'POST', '/api/v1/signing-keys/rotate', { token });
      expect(rotate.status).toBe(403);
      expect(rotate.body.message).toContain('"signing-keys:rotate"');
    }
    expect(
      (await call(suite.server, 'POST', '/api/v1/signing-keys/rotate', { token: sessions.admin })).status,
    ).toBe(200);
    for (const url of ['/api/v1/signing-keys', '/api/v1/artifacts/agent-2-4-1/signature'])
      expect((await call(suite.server, 'GET', url, { token: sessions.viewer })).status, url).toBe(200);
    expect((await get(suite.server, 'agent-2-4-1', sessions.viewer)).statusCode).toBe(200);
    // A fine-grained key without artifacts:read is refused, naming it.
    const key = await call<{ key: string }>(suite.server, 'POST', '/api/v1/keys', {
      token: sessions.admin,
      body: { type: 'fine-grained', name: 'devices-only', permissions: ['devices:read'] },
    });
    const refused = await call(suite.server, 'GET', '/api/v1/signing-keys', { token: key.body.key });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain('"artifacts:read"');
  });

  it('keeps tenants apart: another tenant’s artifact is 404 on every route, and its keys are its own', async () => {
    const other = sessions.otherTenant;
    const mine = await call<{ uid: string; keyId: string }>(
      suite.server,
      'GET',
      '/api/v1/artifacts/agent-2-4-1/signature',
    );
    const theirs = await call<{ uid: string; keyId: string; payload: string }>(
      suite.server,
      'GET',
      '/api/v1/artifacts/agent-2-4-1/signature',
      { token: other },
    );
    expect(theirs.status).toBe(200);
    expect(theirs.body.uid).not.toBe(mine.body.uid);
    expect(theirs.body.keyId).not.toBe(mine.body.keyId);
    expect(JSON.parse(theirs.body.payload).version).toBe('9.9.9');
    // Its SBOM is not this tenant's.
    expect((await get(suite.server, 'agent-2-4-1', other)).statusCode).toBe(404);
    expect(
      (await put(suite.server, 'agent-2-4-1', 'application/spdx+json', JSON.stringify(SPDX), other)).status,
    ).toBe(200);
    expect(JSON.parse((await get(suite.server, 'agent-2-4-1')).body).bomFormat).toBe('CycloneDX');
    // An artifact only the other tenant has is unknown here, on every route, whatever the body.
    expect((await call(suite.server, 'GET', '/api/v1/artifacts/only-b/signature')).status).toBe(404);
    expect((await get(suite.server, 'only-b')).statusCode).toBe(404);
    expect((await put(suite.server, 'only-b', 'application/spdx+json', JSON.stringify(SPDX))).status).toBe(
      404,
    );
    expect((await put(suite.server, 'only-b', 'text/plain', 'x')).status).toBe(404);
    const keys = await call<{ items: Array<{ keyId: string }> }>(suite.server, 'GET', '/api/v1/signing-keys');
    const otherKeys = await call<{ items: Array<{ keyId: string }> }>(
      suite.server,
      'GET',
      '/api/v1/signing-keys',
      {
        token: other,
      },
    );
    const ids = new Set(keys.body.items.map((key) => key.keyId));
    expect(otherKeys.body.items.some((key) => ids.has(key.keyId))).toBe(false);
  });

  it('deletes only the deleted artifact’s rows: another tenant’s artifact of the same name keeps its signature', async () => {
    const before = await suite.server.services.db
      .knex('artifact_signatures')
      .whereNot('tenant', 'default')
      .where('name', 'agent-2-4-1');
    expect(before).toHaveLength(1);
    // Same name in both tenants: deleting this tenant's must leave the other's signature alone.
    expect((await call(suite.server, 'DELETE', '/api/v1/artifacts/agent-2-4-1')).status).toBe(200);
    expect(
      await suite.server.services.db
        .knex('artifact_signatures')
        .where({ tenant: 'default', name: 'agent-2-4-1' }),
    ).toHaveLength(0);
    const after = await suite.server.services.db
      .knex('artifact_signatures')
      .whereNot('tenant', 'default')
      .where('name', 'agent-2-4-1');
    expect(after).toEqual(before);
  });

  it('forgets the SBOM of a deleted artifact when one of the same name is published again', async () => {
    await call(suite.server, 'POST', '/api/v1/apply', { body: [artifact('recycled')] });
    expect((await put(suite.server, 'recycled', 'application/spdx+json', JSON.stringify(SPDX))).status).toBe(
      200,
    );
    expect((await call(suite.server, 'DELETE', '/api/v1/artifacts/recycled')).status).toBe(200);
    expect((await get(suite.server, 'recycled')).statusCode).toBe(404);
    // Its signature and SBOM rows went with it, in the delete's transaction; the other tenant's stay.
    const rows = async (table: string, tenant?: string) =>
      (await suite.server.services.db.knex(table).where({ name: 'recycled', ...(tenant ? { tenant } : {}) }))
        .length;
    expect(await rows('artifact_signatures')).toBe(0);
    expect(await rows('artifact_sboms')).toBe(0);
    expect(await rows('artifact_signatures', 'default')).toBe(0);
    await call(suite.server, 'POST', '/api/v1/apply', { body: [artifact('recycled', { version: '2.0.0' })] });
    expect((await get(suite.server, 'recycled')).statusCode).toBe(404);
  });
});
