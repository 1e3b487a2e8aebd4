/**
 * PATCH /api/v1/artifacts/{name}: labels, annotations and the description of a published Artifact
 * change (a JSON merge patch, through the apply path: journaled, generation moves); the signed
 * spec cannot be patched, and the signature stays valid.
 */
import { describe, expect, it } from 'vitest';
import { call, useServer } from '../support/server.js';
import { artifact } from './support.js';

const suite = useServer();

describe('PATCH /api/v1/artifacts/{name}', () => {
  it('changes labels, annotations and the description, nothing signed', async () => {
    const applied = await call(suite.server, 'POST', '/api/v1/apply', {
      body: [artifact('patched', { description: 'first' }, { labels: { channel: 'beta', team: 'edge' } })],
    });
    expect(applied.status).toBe(200);
    const before = await call<{ signature: string }>(
      suite.server,
      'GET',
      '/api/v1/artifacts/patched/signature',
    );
    const patched = await call<{
      metadata: { labels: Record<string, string>; annotations: Record<string, string>; generation: number };
      spec: { description?: string; version: string };
    }>(suite.server, 'PATCH', '/api/v1/artifacts/patched', {
      body: {
        metadata: { labels: { channel: 'stable', team: null }, annotations: { note: 'ok' } },
        spec: { description: 'second' },
      },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body.metadata.labels).toEqual({ channel: 'stable' });
    expect(patched.body.metadata.annotations).toEqual({ note: 'ok' });
    expect(patched.body.spec).toMatchObject({ description: 'second', version: '1.0.0' });
    expect(patched.body.metadata.generation).toBe(2);
    const after = await call<{ signature: string }>(
      suite.server,
      'GET',
      '/api/v1/artifacts/patched/signature',
    );
    expect(after.body.signature).toBe(before.body.signature);
    const removed = await call<{ spec: { description?: string } }>(
      suite.server,
      'PATCH',
      '/api/v1/artifacts/patched',
      {
        body: { spec: { description: null } },
      },
    );
    expect(removed.body.spec.description).toBeUndefined();
    const journal = await call<{ items: Array<{ operation: string; result: string }> }>(
      suite.server,
      'GET',
      '/api/v1/journal?kind=Artifact&name=patched',
    );
    expect(
      journal.body.items.filter((entry) => entry.operation === 'apply').map((entry) => entry.result),
    ).toEqual(expect.arrayContaining(['created', 'configured']));
  });

  it('refuses a signed field, an unknown artifact and a viewer, changing nothing', async () => {
    await call(suite.server, 'POST', '/api/v1/apply', { body: [artifact('fixed')] });
    const signed = await call<{ details: { causes: Array<{ pointer: string }> } }>(
      suite.server,
      'PATCH',
      '/api/v1/artifacts/fixed',
      {
        body: { spec: { version: '9.9.9' } },
      },
    );
    expect(signed.status).toBe(422);
    expect(signed.body.details.causes[0].pointer).toBe('/spec/version');
    const missing = await call<{ message: string }>(suite.server, 'PATCH', '/api/v1/artifacts/nope', {
      body: {},
    });
    expect(missing.status).toBe(404);
    const key = await call<{ key: string }>(suite.server, 'POST', '/api/v1/keys', {
      body: { type: 'readonly', slot: 'primary' },
    });
    const viewer = await call<{ message: string }>(suite.server, 'PATCH', '/api/v1/artifacts/fixed', {
      body: { metadata: { labels: { a: 'b' } } },
      token: key.body.key,
    });
    expect(viewer.status).toBe(403);
    expect(viewer.body.message).toContain('artifacts:write');
    const stored = await call<{ metadata: { generation: number; labels?: Record<string, string> } }>(
      suite.server,
      'GET',
      '/api/v1/artifacts/fixed',
    );
    expect(stored.body.metadata.generation).toBe(1);
  });
});
