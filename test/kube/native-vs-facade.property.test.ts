/**
 * The native and the Kubernetes views of the same objects always agree (issue #19), whatever
 * sequence of edits made them: random labels, annotations and spec changes through the facade's
 * merge patch, JSON patch and server-side apply, through the native apply, native deletes and
 * re-creations. After each step every Device reads the same both ways (one GET each, and the
 * lists), field for field under the Kubernetes names.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adminToken, call } from '../support/server.js';
import { useKubeServer } from './kube-server.js';

const kube = useKubeServer();
const NAMES = ['p-1', 'p-2', 'p-3'] as const;
const FACADE = '/apis/steward.dev/v1/devices';

type Name = (typeof NAMES)[number];
type Step =
  | { op: 'nativeApply'; name: Name; label: string; display: string }
  | { op: 'mergePatch'; name: Name; key: string; value: string | null }
  | { op: 'jsonPatch'; name: Name; display: string }
  | { op: 'serverSideApply'; name: Name; manager: string; display: string; force: boolean }
  | { op: 'annotate'; name: Name; value: string }
  | { op: 'nativeDelete'; name: Name };

const name = fc.constantFrom(...NAMES);
const word = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/);
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constant('nativeApply' as const), name, label: word, display: word }),
  fc.record({
    op: fc.constant('mergePatch' as const),
    name,
    key: fc.constantFrom('team', 'ring', 'zone'),
    value: fc.option(word, { nil: null }),
  }),
  fc.record({ op: fc.constant('jsonPatch' as const), name, display: word }),
  fc.record({
    op: fc.constant('serverSideApply' as const),
    name,
    manager: fc.constantFrom('kubectl', 'ci'),
    display: word,
    force: fc.boolean(),
  }),
  fc.record({ op: fc.constant('annotate' as const), name, value: word }),
  fc.record({ op: fc.constant('nativeDelete' as const), name }),
);

function manifest(name: string, labels: Record<string, string>, display: string) {
  return {
    apiVersion: 'steward.dev/v1',
    kind: 'Device',
    metadata: { name, labels },
    spec: { platform: 'linux', permanentIdentifier: `${name}-id`, displayName: display },
  };
}

/** Runs one step; refusals (a conflict, a missing object) are part of the game, 5xx never. */
async function run(step: Step): Promise<void> {
  const url = `${FACADE}/${step.name}`;
  const json = (type: string, body: unknown) => ({
    headers: { 'content-type': type },
    body,
  });
  let status: number;
  switch (step.op) {
    case 'nativeApply':
      status = (
        await call(kube.server, 'POST', '/api/v1/apply', {
          body: manifest(step.name, { team: step.label }, step.display),
        })
      ).status;
      break;
    case 'mergePatch':
      status = (
        await kube.server.app.inject({
          method: 'PATCH',
          url,
          ...withAuth(
            json('application/merge-patch+json', { metadata: { labels: { [step.key]: step.value } } }),
          ),
        })
      ).statusCode;
      break;
    case 'jsonPatch':
      status = (
        await kube.server.app.inject({
          method: 'PATCH',
          url,
          ...withAuth(
            json('application/json-patch+json', [
              { op: 'add', path: '/spec/displayName', value: step.display },
            ]),
          ),
        })
      ).statusCode;
      break;
    case 'serverSideApply':
      status = (
        await kube.server.app.inject({
          method: 'PATCH',
          url: `${url}?fieldManager=${step.manager}&force=${step.force}`,
          ...withAuth({
            headers: { 'content-type': 'application/apply-patch+yaml' },
            body: JSON.stringify(manifest(step.name, { owner: step.manager }, step.display)),
          }),
        })
      ).statusCode;
      break;
    case 'annotate':
      status = (
        await kube.server.app.inject({
          method: 'PATCH',
          url,
          ...withAuth(
            json('application/merge-patch+json', { metadata: { annotations: { note: step.value } } }),
          ),
        })
      ).statusCode;
      break;
    case 'nativeDelete':
      status = (await call(kube.server, 'DELETE', `/api/v1/devices/${step.name}`)).status;
      break;
  }
  expect(status, JSON.stringify(step)).toBeLessThan(500);
  expect([200, 201, 404, 409]).toContain(status);
}

function withAuth(request: { headers: Record<string, string>; body: unknown }) {
  return {
    headers: { ...request.headers, authorization: `Bearer ${adminToken(kube.server)}` },
    payload: typeof request.body === 'string' ? request.body : JSON.stringify(request.body),
  };
}

interface Native {
  metadata: Record<string, unknown>;
  spec: unknown;
  status: unknown;
}

/** The two views of every Device agree, one by one and as lists. */
async function agree(): Promise<void> {
  const nativeList = await call<{ items: Native[] }>(kube.server, 'GET', '/api/v1/devices');
  const facadeList = await call<{ items: Native[] }>(kube.server, 'GET', FACADE);
  expect(facadeList.body.items.map((item) => item.metadata.name)).toEqual(
    nativeList.body.items.map((item) => item.metadata.name),
  );
  for (const name of NAMES) {
    const native = await call<Native>(kube.server, 'GET', `/api/v1/devices/${name}`);
    const facade = await call<Native>(kube.server, 'GET', `${FACADE}/${name}`);
    expect(facade.status).toBe(native.status);
    if (native.status !== 200) continue;
    const n = native.body.metadata;
    const f = facade.body.metadata;
    expect(f.name).toBe(n.name);
    expect(f.uid).toBe(n.uid);
    expect(f.generation).toBe(n.generation);
    expect(f.resourceVersion).toBe(n.resourceVersion);
    expect(f.creationTimestamp).toBe(n.createdAt);
    expect(f.labels).toEqual(n.labels);
    expect(f.annotations).toEqual(n.annotations);
    expect(f.finalizers).toEqual(n.finalizers);
    expect(f.deletionTimestamp).toBe(n.deletionTimestamp);
    expect(facade.body.spec).toEqual(native.body.spec);
    expect(facade.body.status).toEqual(native.body.status);
    // The list's item is the object itself.
    expect(facadeList.body.items.find((item) => item.metadata.name === name)).toEqual(facade.body);
  }
}

describe('native and Kubernetes views of the same objects', () => {
  it('agree after every step of random edit sequences through both surfaces', {
    timeout: 60_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
        for (const one of steps) {
          await run(one);
          await agree();
        }
      }),
      { numRuns: 25 },
    );
  });
});
