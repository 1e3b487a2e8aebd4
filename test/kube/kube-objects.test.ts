/**
 * Objects both ways as tables: what the facade serves for a stored resource (toKubeObject) and
 * what it makes of a request's body (fromKubeObject).
 */
import { describe, expect, it } from 'vitest';
import { fromKubeObject, toKubeObject } from '../../src/api/kube/kube-objects.js';
import { BadRequestError } from '../../src/errors.js';
import { KINDS } from '../../src/kinds.js';
import type { KindNames } from '../../src/resources/kind.js';
import { deepFreeze, stored, thrown } from './kube-fixtures.js';

const DEVICE = KINDS.find((kind) => kind.kind === 'Device') as KindNames;

describe('toKubeObject', () => {
  it('serves Kubernetes metadata: createdAt is creationTimestamp, resourceVersion a string, Steward-only fields absent', () => {
    const object = toKubeObject(deepFreeze(stored()));
    expect(object).toEqual({
      apiVersion: 'steward.dev/v1',
      kind: 'Device',
      metadata: {
        name: 'edge-1',
        uid: '6f1c1a52-9a43-4a3e-9d1c-6b1b9d1c0e11',
        generation: 3,
        resourceVersion: '17',
        creationTimestamp: '2026-01-01T00:00:00.000Z',
      },
      spec: { platform: 'linux', permanentIdentifier: 'machine-id-edge-1' },
      status: {},
    });
    expect(object.metadata).not.toHaveProperty('namespace');
  });

  it('carries labels, annotations, deletionTimestamp, finalizers and managedFields when there are some', () => {
    const managedFields = [
      {
        manager: 'kubectl',
        operation: 'Apply' as const,
        apiVersion: 'steward.dev/v1',
        time: '2026-01-02T00:00:00Z',
        fieldsType: 'FieldsV1' as const,
        fieldsV1: { 'f:spec': { 'f:platform': {} } },
      },
    ];
    const object = toKubeObject(
      stored({
        labels: { team: 'edge' },
        annotations: { note: 'x' },
        deletionTimestamp: '2026-01-03T00:00:00.000Z',
        finalizers: ['steward.dev/device'],
        managedFields,
      }),
    );
    expect(object.metadata).toMatchObject({
      labels: { team: 'edge' },
      annotations: { note: 'x' },
      deletionTimestamp: '2026-01-03T00:00:00.000Z',
      finalizers: ['steward.dev/device'],
      managedFields,
    });
  });

  it('leaves out an empty managedFields list', () => {
    expect(toKubeObject(stored({ managedFields: [] })).metadata).not.toHaveProperty('managedFields');
  });
});

describe('fromKubeObject', () => {
  const valid = () => ({
    apiVersion: 'steward.dev/v1',
    kind: 'Device',
    metadata: { name: 'edge-1' },
    spec: { platform: 'linux', permanentIdentifier: 'id-1' },
  });

  it.each<[string, unknown, { urlName?: string } | undefined, string]>([
    ['an array body', [], undefined, 'the body must be a Device object, not an array'],
    ['a null body', null, undefined, 'the body must be a Device object, not null'],
    ['a string body', 'hello', undefined, 'the body must be a Device object, not "hello"'],
    ['no body', undefined, undefined, 'the body must be a Device object, not nothing'],
    [
      'the core apiVersion',
      { ...valid(), apiVersion: 'v1' },
      undefined,
      'the API version in the data ("v1") does not match the expected API version (steward.dev/v1)',
    ],
    [
      'no apiVersion',
      { ...valid(), apiVersion: undefined },
      undefined,
      'the API version in the data (nothing) does not match the expected API version (steward.dev/v1)',
    ],
    [
      'another kind',
      { ...valid(), kind: 'Rollout' },
      undefined,
      'the kind in the data ("Rollout") does not match the expected kind (Device)',
    ],
    ['metadata that is a list', { ...valid(), metadata: ['a'] }, undefined, 'metadata must be an object'],
    [
      'a name other than the URL’s',
      valid(),
      { urlName: 'edge-2' },
      'the name of the object ("edge-1") does not match the name on the URL (edge-2)',
    ],
  ])('refuses %s with a 400 saying so', (_case, body, options, message) => {
    const error = thrown(() => fromKubeObject(body, DEVICE, { keepResourceVersion: false, ...options }));
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.message).toBe(message);
  });

  it('drops what the server sets (namespace, uid, timestamps, finalizers, managedFields…) and status, keeps the rest for the schema', () => {
    const managedFields = [{ manager: 'kubectl', operation: 'Apply' }];
    const body = deepFreeze({
      ...valid(),
      metadata: {
        name: 'edge-1',
        namespace: 'default',
        uid: 'u-1',
        generation: 4,
        creationTimestamp: '2026-01-01T00:00:00Z',
        deletionTimestamp: '2026-01-02T00:00:00Z',
        deletionGracePeriodSeconds: 0,
        finalizers: ['example.com/keep'],
        managedFields,
        selfLink: '/apis/steward.dev/v1/devices/edge-1',
        createdAt: '2026-01-01T00:00:00Z',
        updatedAt: '2026-01-01T00:00:00Z',
        changeset: 'cs-1',
        labels: { team: 'edge' },
        annotations: { note: 'kept' },
      },
      status: { approved: true },
      unknownTopLevel: 'left for fieldValidation',
    });
    const incoming = fromKubeObject(body, DEVICE, { keepResourceVersion: false });
    expect(incoming.manifest).toEqual({
      apiVersion: 'steward.dev/v1',
      kind: 'Device',
      metadata: { name: 'edge-1', labels: { team: 'edge' }, annotations: { note: 'kept' } },
      spec: { platform: 'linux', permanentIdentifier: 'id-1' },
      unknownTopLevel: 'left for fieldValidation',
    });
    expect(incoming.name).toBe('edge-1');
    // Server-side apply reads the managedFields sent, apart from the manifest.
    expect(incoming.managedFields).toBe(managedFields);
  });

  it.each<[string, unknown, boolean, string | undefined, string | undefined]>([
    ['kept as the precondition when asked', '42', true, '42', '42'],
    ['reported but left out of the manifest otherwise', '42', false, '42', undefined],
    ['a number is read as its text', 42, true, '42', '42'],
    ['an empty one is none', '', true, undefined, undefined],
    ['a null one is none', null, true, undefined, undefined],
  ])('resourceVersion: %s', (_case, resourceVersion, keep, reported, inManifest) => {
    const incoming = fromKubeObject({ ...valid(), metadata: { name: 'edge-1', resourceVersion } }, DEVICE, {
      keepResourceVersion: keep,
    });
    expect(incoming.resourceVersion).toBe(reported);
    expect((incoming.manifest.metadata as Record<string, unknown>).resourceVersion).toBe(inManifest);
  });

  it('names an object from generateName with a five-character Kubernetes suffix, generateName itself not sent on', () => {
    const names = new Set<string>();
    for (let index = 0; index < 20; index++) {
      const incoming = fromKubeObject({ ...valid(), metadata: { generateName: 'edge-' } }, DEVICE, {
        keepResourceVersion: false,
      });
      expect(incoming.name).toMatch(/^edge-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      expect(incoming.manifest.metadata).toEqual({ name: incoming.name });
      names.add(incoming.name);
    }
    expect(names.size).toBeGreaterThan(1);
  });

  it.each<[string, Record<string, unknown>, string | undefined, string]>([
    ['a name given wins over generateName', { name: 'fixed', generateName: 'edge-' }, undefined, 'fixed'],
    ['the URL’s name wins over generateName', { generateName: 'edge-' }, 'from-url', 'from-url'],
    ['the URL’s name fills a missing name', {}, 'from-url', 'from-url'],
    ['no name at all is an empty name (the apply reports it)', {}, undefined, ''],
  ])('%s', (_case, metadata, urlName, name) => {
    const incoming = fromKubeObject({ ...valid(), metadata }, DEVICE, {
      urlName,
      keepResourceVersion: false,
    });
    expect(incoming.name).toBe(name);
  });

  it('does not change the body it is given', () => {
    const body = deepFreeze({ ...valid(), metadata: { generateName: 'x-', uid: 'u' }, status: {} });
    expect(() => fromKubeObject(body, DEVICE, { keepResourceVersion: true })).not.toThrow();
  });
});
