/**
 * The Kubernetes facade's pure decisions as tables: objects both ways (toKubeObject /
 * fromKubeObject), Status errors and field paths, Tables and ages (against Kubernetes'
 * HumanDuration), fieldValidation and dryRun, discovery from the kind registry, field selectors,
 * default field managers and the watch's journal decisions. The real ManifestValidator supplies
 * schema problems and printer columns.
 */
import { describe, expect, it } from 'vitest';
import {
  applyFieldValidation,
  parseDryRun,
  parseFieldValidation,
} from '../../src/api/kube/field-validation.js';
import {
  KUBE_GROUP_VERSION,
  kubeCoreVersions,
  kubeGroup,
  kubeGroupList,
  kubeResourceList,
  kubeVersion,
} from '../../src/api/kube/kube-discovery.js';
import { defaultManager, parseFieldSelector } from '../../src/api/kube/kube-facade.js';
import { fromKubeObject, toKubeObject } from '../../src/api/kube/kube-objects.js';
import { fieldPath, isKubePath, statusFor, toKubeStatus } from '../../src/api/kube/kube-status.js';
import { humanAge, kubeTable, wantsTable } from '../../src/api/kube/kube-table.js';
import { changedNames, parseWatchVersion, watchEventsOf } from '../../src/api/kube/kube-watch.js';
import type { Status } from '../../src/api/status.js';
import type { PrinterColumn } from '../../src/contract/discovery.js';
import { BadRequestError, type FieldProblem, InvalidError, type StewardError } from '../../src/errors.js';
import type { JournalEntry } from '../../src/journal/chain.js';
import { KINDS } from '../../src/kinds.js';
import { type KindNames, kindNames } from '../../src/resources/kind.js';
import type { StoredResource } from '../../src/resources/model.js';
import { ManifestValidator } from '../../src/schema/validator.js';

const validator = new ManifestValidator(KINDS);
const DEVICE = KINDS.find((kind) => kind.kind === 'Device') as KindNames;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}

function thrown(run: () => unknown): StewardError {
  try {
    run();
  } catch (error) {
    return error as StewardError;
  }
  throw new Error('expected a throw');
}

function stored(overrides: Partial<StoredResource> = {}): StoredResource {
  return {
    tenant: 'default',
    kind: 'Device',
    name: 'edge-1',
    uid: '6f1c1a52-9a43-4a3e-9d1c-6b1b9d1c0e11',
    apiVersion: 'steward.dev/v1',
    labels: {},
    annotations: {},
    spec: { platform: 'linux', permanentIdentifier: 'machine-id-edge-1' },
    status: {},
    generation: 3,
    resourceVersion: 17,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-02T00:00:00.000Z',
    deletionTimestamp: null,
    finalizers: [],
    changeset: 'cs-1',
    ...overrides,
  };
}

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

describe('isKubePath', () => {
  it.each<[string, boolean]>([
    ['/version', true],
    ['/version?timeout=32s', true],
    ['/api', true],
    ['/api?timeout=32s', true],
    ['/apis', true],
    ['/apis/steward.dev', true],
    ['/apis/steward.dev/v1', true],
    ['/apis/steward.dev/v1/devices/edge-1?fieldValidation=Strict', true],
    ['/openapi/v2', true],
    ['/openapi/v3', true],
    ['/openapi/v3/apis/steward.dev/v1?hash=abc', true],
    // Steward's native API and everything else keep Steward's Status.
    ['/api/v1', false],
    ['/api/v1/devices', false],
    ['/api/v1/apply', false],
    ['/apisx', false],
    ['/versions', false],
    ['/openapi', false],
    ['/openapi/v3x', false],
    ['/healthz', false],
    ['/', false],
  ])('%s is a facade path: %s', (url, expected) => {
    expect(isKubePath(url)).toBe(expected);
  });
});

describe('fieldPath', () => {
  it.each<[string, string]>([
    ['', ''],
    ['/spec', 'spec'],
    ['/spec/platform', 'spec.platform'],
    ['/spec/identity/0', 'spec.identity[0]'],
    ['/spec/strategy/waves/12/selector', 'spec.strategy.waves[12].selector'],
    ['/spec/a/0/1', 'spec.a[0][1]'],
    ['/metadata/labels/app.kubernetes.io~1name', 'metadata.labels.app.kubernetes.io/name'],
    ['/metadata/annotations/a~0b', 'metadata.annotations.a~b'],
    ['/metadata/annotations/~01', 'metadata.annotations.~1'],
  ])('%j is %j', (pointer, path) => {
    expect(fieldPath(pointer)).toBe(path);
  });
});

describe('toKubeStatus', () => {
  const native = (code: number, reason: string, message: string, details?: Status['details']): Status => ({
    apiVersion: 'steward.dev/v1',
    kind: 'Status',
    code,
    reason,
    message,
    ...(details ? { details } : {}),
  });
  const unknownGrup: FieldProblem = { pointer: '/spec/grup', message: 'unknown field "grup"' };
  const missingPlatform: FieldProblem = {
    pointer: '/spec/platform',
    message: 'missing required field "platform"',
  };
  const badIdentity: FieldProblem = { pointer: '/spec/identity/0', message: 'must be a string' };

  it('keeps code, reason and message (a permission named), in Kubernetes’ envelope with the resource named', () => {
    const status = toKubeStatus(
      deepFreeze(native(403, 'Forbidden', 'this credential needs "devices:write"')),
      '/apis/steward.dev/v1/devices/edge-1',
    );
    expect(status).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'this credential needs "devices:write"',
      reason: 'Forbidden',
      details: { name: 'edge-1', group: 'steward.dev', kind: 'devices' },
      code: 403,
    });
  });

  it.each<[string, Status, string, string, Record<string, unknown>]>([
    [
      'spells a 422’s problems out with the name from the URL and the kind from the details',
      native(422, 'Invalid', '3 problems', {
        kind: 'Device',
        causes: [unknownGrup, missingPlatform, badIdentity],
      }),
      '/apis/steward.dev/v1/devices/edge-1?fieldValidation=Strict',
      'Device.steward.dev "edge-1" is invalid: spec.grup: unknown field "grup", spec.platform: missing required field "platform", spec.identity[0]: must be a string',
      { name: 'edge-1', group: 'steward.dev', kind: 'Device' },
    ],
    [
      'names a POST’s object from the details (its URL has no name)',
      native(422, 'Invalid', '1 problem', { name: 'edge-9', kind: 'Device', causes: [unknownGrup] }),
      '/apis/steward.dev/v1/devices',
      'Device.steward.dev "edge-9" is invalid: spec.grup: unknown field "grup"',
      { name: 'edge-9', group: 'steward.dev', kind: 'Device' },
    ],
    [
      'prints a problem without a pointer as its message alone',
      native(422, 'Invalid', '1 problem', { kind: 'Device', causes: [{ pointer: '', message: 'bad' }] }),
      '/apis/steward.dev/v1/devices/edge-1',
      'Device.steward.dev "edge-1" is invalid: bad',
      { name: 'edge-1', group: 'steward.dev', kind: 'Device' },
    ],
    [
      'leaves a 422 without problems as it was',
      native(422, 'Invalid', 'the document is not an object'),
      '/apis/steward.dev/v1/devices/edge-1',
      'the document is not an object',
      { name: 'edge-1', group: 'steward.dev', kind: 'devices' },
    ],
    [
      'appends a 409’s causes to its message (kubectl prints the message alone)',
      native(409, 'Conflict', 'Apply failed with 1 conflict', {
        causes: [{ pointer: '/spec/displayName', message: 'conflict with "steward": .spec.displayName' }],
      }),
      '/apis/steward.dev/v1/devices/edge-1',
      'Apply failed with 1 conflict: conflict with "steward": .spec.displayName',
      { name: 'edge-1', group: 'steward.dev', kind: 'devices' },
    ],
    [
      'does not repeat a 409’s causes its message already says',
      native(409, 'Conflict', 'the object has been modified: resourceVersion 3 is stale', {
        causes: [{ pointer: '/metadata/resourceVersion', message: 'resourceVersion 3 is stale' }],
      }),
      '/apis/steward.dev/v1/devices/edge-1',
      'the object has been modified: resourceVersion 3 is stale',
      { name: 'edge-1', group: 'steward.dev', kind: 'devices' },
    ],
    [
      'decodes an escaped name in the URL',
      native(404, 'NotFound', 'devices.steward.dev "a b" not found'),
      '/apis/steward.dev/v1/devices/a%20b',
      'devices.steward.dev "a b" not found',
      { name: 'a b', group: 'steward.dev', kind: 'devices' },
    ],
    [
      'shows a malformed escape as sent',
      native(400, 'BadRequest', 'malformed URL'),
      '/apis/steward.dev/v1/devices/%E0%A4%A',
      'malformed URL',
      { name: '%E0%A4%A', group: 'steward.dev', kind: 'devices' },
    ],
    [
      'keeps retryAfterSeconds',
      native(429, 'TooManyRequests', 'slow down', { retryAfterSeconds: 5 }),
      '/apis/steward.dev/v1/devices?watch=true',
      'slow down',
      { group: 'steward.dev', kind: 'devices', retryAfterSeconds: 5 },
    ],
  ])('%s', (_case, status, url, message, details) => {
    const kube = toKubeStatus(deepFreeze(status), url);
    expect(kube.message).toBe(message);
    expect(kube.code).toBe(status.code);
    expect(kube.reason).toBe(status.reason);
    const { causes: _causes, ...rest } = kube.details ?? {};
    expect(rest).toEqual(details);
  });

  it('gives each problem a Kubernetes cause reason and field path', () => {
    const kube = toKubeStatus(
      native(422, 'Invalid', '3 problems', {
        kind: 'Device',
        causes: [unknownGrup, missingPlatform, badIdentity],
      }),
      '/apis/steward.dev/v1/devices/edge-1',
    );
    expect(kube.details?.causes).toEqual([
      { reason: 'FieldValueUnknown', message: 'unknown field "grup"', field: 'spec.grup' },
      { reason: 'FieldValueRequired', message: 'missing required field "platform"', field: 'spec.platform' },
      { reason: 'FieldValueInvalid', message: 'must be a string', field: 'spec.identity[0]' },
    ]);
  });

  it('has no details outside the group’s resources (/version)', () => {
    const kube = toKubeStatus(native(401, 'Unauthorized', 'no credential'), '/version');
    expect(kube).not.toHaveProperty('details');
    expect(kube).toMatchObject({ apiVersion: 'v1', kind: 'Status', code: 401, reason: 'Unauthorized' });
  });

  it('statusFor answers Kubernetes’ Status on the facade and Steward’s own elsewhere', () => {
    const status = native(404, 'NotFound', 'devices/x not found');
    expect(statusFor('/api/v1/devices/x', status)).toBe(status);
    expect(statusFor('/apis/steward.dev/v1/devices/x', status)).toMatchObject({
      apiVersion: 'v1',
      code: 404,
    });
  });
});

describe('humanAge, as Kubernetes’ translateTimestampSince (apimachinery duration.HumanDuration)', () => {
  const NOW = new Date('2030-06-15T12:00:00.000Z');
  const S = 1000;
  const M = 60 * S;
  const H = 60 * M;
  const D = 24 * H;
  const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

  it.each<[string, number, string]>([
    ['now', 0, '0s'],
    ['a second of clock skew', -S, '0s'],
    ['half a second', 500, '0s'],
    ['59s', 59 * S, '59s'],
    ['seconds up to two minutes', 119 * S, '119s'],
    ['two minutes', 2 * M, '2m'],
    ['minutes and seconds under ten minutes', 9 * M + 59 * S, '9m59s'],
    ['ten minutes', 10 * M, '10m'],
    ['ten minutes and some seconds', 10 * M + 30 * S, '10m'],
    ['minutes up to three hours', 179 * M, '179m'],
    ['three hours', 3 * H, '3h'],
    ['hours and minutes under eight hours', 7 * H + 59 * M, '7h59m'],
    ['eight hours', 8 * H, '8h'],
    ['eight hours and some minutes', 8 * H + 30 * M, '8h'],
    ['hours up to two days', 47 * H + 59 * M, '47h'],
    ['two days', 2 * D, '2d'],
    ['a week exactly', 7 * D, '7d'],
    ['days up to two years', 729 * D, '729d'],
    ['two years', 730 * D, '2y'],
  ])('%s: %s ms ago is %s', (_case, ms, age) => {
    expect(humanAge(ago(ms), NOW)).toBe(age);
  });

  // Kubernetes shows hours beside days under eight days and days beside years under eight years.
  it.each<[string, number, string]>([
    ['days and hours under eight days', 2 * D + 5 * H, '2d5h'],
    ['days and hours just under eight days', 7 * D + 23 * H, '7d23h'],
    ['years and days under eight years', 740 * D, '2y10d'],
  ])('%s: %s ms ago is %s', (_case, ms, age) => {
    expect(humanAge(ago(ms), NOW)).toBe(age);
  });

  it.each<[string, number, string]>([
    ['eight days', 8 * D + 5 * H, '8d'],
    ['eight years', 8 * 365 * D + 10 * D, '8y'],
  ])('%s (no second unit from here): %s ms ago is %s', (_case, ms, age) => {
    expect(humanAge(ago(ms), NOW)).toBe(age);
  });
});

describe('kubeTable', () => {
  const NOW = new Date('2026-01-01T03:00:00.000Z');
  const deviceColumns = validator.printerColumns('Device');
  const ready = stored({
    name: 'edge-ready',
    labels: { team: 'edge' },
    spec: { platform: 'linux', permanentIdentifier: 'pid-1', user: { email: 'ada@example.com' } },
    status: {
      approved: true,
      assurance: 'hardware',
      installed: { version: '1.4.2' },
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'Enrolled',
          message: 'ok',
          lastTransitionTime: '2026-01-01T00:00:00Z',
          observedGeneration: 3,
        },
      ],
    } as StoredResource['status'],
  });
  const fresh = stored({ name: 'edge-new', createdAt: '2026-01-01T02:59:30.000Z' });

  it('has the columns of steward get: NAME, READY, REASON, the kind’s columns, AGE; wide ones at priority 1', () => {
    const table = kubeTable(deviceColumns, [], NOW);
    expect(table.kind).toBe('Table');
    expect(table.apiVersion).toBe('meta.k8s.io/v1');
    expect(table.rows).toEqual([]);
    expect(table.columnDefinitions.map((column) => [column.name, column.priority])).toEqual([
      ['Name', 0],
      ['Ready', 0],
      ['Reason', 0],
      ['PLATFORM', 0],
      ['APPROVED', 0],
      ['ASSURANCE', 0],
      ['LAST SEEN', 0],
      ['VERSION', 0],
      ['IDENTIFIER', 1],
      ['USER', 1],
      ['Age', 0],
    ]);
    expect(table.columnDefinitions[0]).toEqual({
      name: 'Name',
      type: 'string',
      format: 'name',
      description: 'metadata.name',
      priority: 0,
    });
    expect(table.columnDefinitions.find((column) => column.name === 'PLATFORM')?.description).toBe(
      '.spec.platform',
    );
    for (const column of table.columnDefinitions) expect(column).not.toHaveProperty('cell');
  });

  it('fills each row’s cells from the resource, <none> and Unknown where nothing is known, and the age', () => {
    const table = kubeTable(deviceColumns, [ready, fresh], NOW);
    expect(table.rows.map((row) => row.cells)).toEqual([
      [
        'edge-ready',
        'True',
        'Enrolled',
        'linux',
        'true',
        'hardware',
        '<none>',
        '1.4.2',
        'pid-1',
        'ada@example.com',
        '3h',
      ],
      [
        'edge-new',
        'Unknown',
        '<none>',
        'linux',
        '<none>',
        '<none>',
        '<none>',
        '<none>',
        'machine-id-edge-1',
        '<none>',
        '30s',
      ],
    ]);
  });

  it('carries each row’s metadata as PartialObjectMetadata, and the list metadata', () => {
    const table = kubeTable(deviceColumns, [ready], NOW, { resourceVersion: '99', continue: 'edge-ready' });
    expect(table.metadata).toEqual({ resourceVersion: '99', continue: 'edge-ready' });
    expect(table.rows[0].object).toEqual({
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: toKubeObject(ready).metadata,
    });
    expect(table.rows[0].object).not.toHaveProperty('spec');
  });

  it.each<[string, PrinterColumn, Partial<StoredResource>, unknown]>([
    [
      'an out-of count as value/N from an array',
      { name: 'WAVE', jsonPath: '.status.currentWave', outOf: '.spec.waves' },
      { spec: { waves: [1, 2, 3] }, status: { currentWave: 2 } as StoredResource['status'] },
      '2/3',
    ],
    [
      'an out-of count as value/N from a number',
      { name: 'DONE', jsonPath: '.status.done', outOf: '.spec.total' },
      { spec: { total: 10 }, status: { done: 4 } as StoredResource['status'] },
      '4/10',
    ],
    [
      'an out-of value alone when the total is absent',
      { name: 'WAVE', jsonPath: '.status.currentWave', outOf: '.spec.waves' },
      { spec: {}, status: { currentWave: 2 } as StoredResource['status'] },
      '2',
    ],
    [
      'the column’s default when the value is absent',
      { name: 'MODE', jsonPath: '.spec.mode', default: 'auto' },
      { spec: {} },
      'auto',
    ],
    [
      'an array joined by commas',
      { name: 'TAGS', jsonPath: '.spec.tags' },
      { spec: { tags: ['a', 'b'] } },
      'a,b',
    ],
    [
      'an object as JSON',
      { name: 'USER', jsonPath: '.spec.user' },
      { spec: { user: { email: 'a@b.c' } } },
      '{"email":"a@b.c"}',
    ],
    ['a number as text', { name: 'N', jsonPath: '.spec.n' }, { spec: { n: 0 } }, '0'],
    ['an empty string as <none>', { name: 'S', jsonPath: '.spec.s' }, { spec: { s: '' } }, '<none>'],
    [
      'a path through a non-object as <none>',
      { name: 'DEEP', jsonPath: '.spec.platform.name' },
      { spec: { platform: 'linux' } },
      '<none>',
    ],
    [
      'metadata by its Kubernetes name',
      { name: 'RV', jsonPath: '.metadata.resourceVersion' },
      { resourceVersion: 17 },
      '17',
    ],
  ])('a kind column renders %s', (_case, column, resource, cell) => {
    const table = kubeTable([column], [stored(resource)], NOW);
    expect(table.rows[0].cells[3]).toBe(cell);
  });

  it.each<[string | undefined, boolean]>([
    ['application/json;as=Table;v=v1;g=meta.k8s.io', true],
    ['application/json; as=Table; v=v1; g=meta.k8s.io', true],
    [
      'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json',
      true,
    ],
    ['application/json', false],
    ['application/yaml', false],
    ['*/*', false],
    ['', false],
    [undefined, false],
  ])('wantsTable(%j) is %s', (accept, expected) => {
    expect(wantsTable(accept)).toBe(expected);
  });
});

describe('fieldValidation and dryRun', () => {
  it.each<[string | undefined, string]>([
    [undefined, 'Warn'],
    ['', 'Warn'],
    ['Strict', 'Strict'],
    ['Warn', 'Warn'],
    ['Ignore', 'Ignore'],
  ])('fieldValidation=%j is %s', (value, expected) => {
    expect(parseFieldValidation(value)).toBe(expected);
  });

  it.each(['strict', 'true', 'None'])('fieldValidation=%j is a 400 listing the values', (value) => {
    const error = thrown(() => parseFieldValidation(value));
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.message).toBe(`fieldValidation must be Strict, Warn or Ignore, got "${value}"`);
  });

  it.each<[string | string[] | undefined, boolean]>([
    [undefined, false],
    ['', false],
    ['All', true],
    [['All', 'All'], true],
  ])('dryRun=%j is %s', (value, expected) => {
    expect(parseDryRun(value)).toBe(expected);
  });

  it.each<[string | string[], string]>([
    ['all', 'dryRun must be "All", got "all"'],
    ['true', 'dryRun must be "All", got "true"'],
    [['All', 'None'], 'dryRun must be "All", got "None"'],
  ])('dryRun=%j is a 400', (value, message) => {
    const error = thrown(() => parseDryRun(value));
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.message).toBe(message);
  });

  const problemsOf = (manifest: unknown) => validator.validate(manifest).problems;
  const withUnknown = () =>
    deepFreeze({
      apiVersion: 'steward.dev/v1',
      kind: 'Device',
      metadata: { name: 'edge-1', bogus: true },
      spec: {
        platform: 'linux',
        permanentIdentifier: 'id-1',
        grup: 'edge',
        extra: { deep: { deeper: 1 } },
        user: { email: 'ada@example.com', nick: 'ada' },
      },
    });
  const cleaned = {
    apiVersion: 'steward.dev/v1',
    kind: 'Device',
    metadata: { name: 'edge-1' },
    spec: { platform: 'linux', permanentIdentifier: 'id-1', user: { email: 'ada@example.com' } },
  };

  it('Strict refuses unknown fields with a 422 listing each, an unknown object once (not what is inside it)', () => {
    const error = thrown(() => applyFieldValidation(withUnknown(), 'Strict', problemsOf));
    expect(error).toBeInstanceOf(InvalidError);
    expect(error.message).toBe('4 unknown fields (fieldValidation=Strict)');
    expect(error.problems).toEqual([
      { pointer: '/metadata/bogus', message: 'unknown field "bogus"' },
      { pointer: '/spec/grup', message: 'unknown field "grup"' },
      { pointer: '/spec/extra', message: 'unknown field "extra"' },
      { pointer: '/spec/user/nick', message: 'unknown field "nick"' },
    ]);
  });

  it('Strict says "field" for a single unknown field', () => {
    const one = { ...cleaned, spec: { ...cleaned.spec, grup: 'x' } };
    expect(thrown(() => applyFieldValidation(one, 'Strict', problemsOf)).message).toBe(
      '1 unknown field (fieldValidation=Strict)',
    );
  });

  it('Warn drops unknown fields (an unknown object whole) and warns once for each, in Kubernetes field paths', () => {
    const input = withUnknown();
    const result = applyFieldValidation(input, 'Warn', problemsOf);
    expect(result.manifest).toEqual(cleaned);
    expect(result.warnings).toEqual([
      'unknown field "metadata.bogus"',
      'unknown field "spec.grup"',
      'unknown field "spec.extra"',
      'unknown field "spec.user.nick"',
    ]);
    expect(input.spec).toHaveProperty('grup');
    expect(result.manifest).not.toBe(input);
  });

  it('Ignore drops unknown fields silently', () => {
    const result = applyFieldValidation(withUnknown(), 'Ignore', problemsOf);
    expect(result).toEqual({ manifest: cleaned, warnings: [] });
  });

  it.each(['Strict', 'Warn', 'Ignore'] as const)(
    '%s leaves other problems to the apply and answers a copy of a manifest without unknown fields',
    (validation) => {
      const invalid = deepFreeze({ ...cleaned, spec: { permanentIdentifier: 'id-1', user: { email: 3 } } });
      const result = applyFieldValidation(invalid, validation, problemsOf);
      expect(problemsOf(invalid).length).toBeGreaterThan(0);
      expect(result).toEqual({ manifest: invalid, warnings: [] });
      expect(result.manifest).not.toBe(invalid);
    },
  );

  it('drops an unknown field revealed by dropping another, warning for both, and gives up after eight rounds', () => {
    // A schema where a field is reported only once its unknown sibling is gone (as happens with
    // alternatives): scripted, to hold the rounds to their contract.
    const revealing = (manifest: unknown): FieldProblem[] => {
      const spec = (manifest as { spec: Record<string, unknown> }).spec;
      if ('a' in spec) return [{ pointer: '/spec/a', message: 'unknown field "a"' }];
      if ('b' in spec) return [{ pointer: '/spec/b', message: 'unknown field "b"' }];
      return [];
    };
    const result = applyFieldValidation({ spec: { a: 1, b: 2, c: 3 } }, 'Warn', revealing);
    expect(result).toEqual({
      manifest: { spec: { c: 3 } },
      warnings: ['unknown field "spec.a"', 'unknown field "spec.b"'],
    });
    let calls = 0;
    const endless = (): FieldProblem[] => {
      calls++;
      return [{ pointer: '/spec/ghost', message: 'unknown field "ghost"' }];
    };
    expect(applyFieldValidation({ spec: {} }, 'Ignore', endless).manifest).toEqual({ spec: {} });
    expect(calls).toBe(8);
  });
});

describe('discovery', () => {
  const sprocket = kindNames('Sprocket', 'sprockets', ['spr']);
  const futureOnly = kindNames('Widget', 'widgets', ['wd'], ['v2']);

  it('lists every kind of the registry, and a made-up kind appears with no facade code', () => {
    const list = kubeResourceList([...KINDS, sprocket, futureOnly]);
    expect(list).toMatchObject({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'steward.dev/v1' });
    expect(list.resources.map((resource) => resource.name)).toEqual([
      ...KINDS.map((kind) => kind.plural),
      'sprockets',
    ]);
    expect(list.resources.find((resource) => resource.name === 'sprockets')).toEqual({
      name: 'sprockets',
      singularName: 'sprocket',
      namespaced: false,
      kind: 'Sprocket',
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['spr'],
      categories: ['steward'],
    });
    expect(list.resources.find((resource) => resource.name === 'devices')).toMatchObject({
      kind: 'Device',
      singularName: 'device',
      shortNames: ['dev'],
      namespaced: false,
    });
  });

  it('serves the one group and version, no core versions, and a Kubernetes version with Steward’s inside', () => {
    expect(KUBE_GROUP_VERSION).toBe('steward.dev/v1');
    const version = { groupVersion: 'steward.dev/v1', version: 'v1' };
    expect(kubeGroupList()).toEqual({
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [{ name: 'steward.dev', versions: [version], preferredVersion: version }],
    });
    expect(kubeGroup()).toEqual({
      kind: 'APIGroup',
      apiVersion: 'v1',
      name: 'steward.dev',
      versions: [version],
      preferredVersion: version,
    });
    expect(kubeCoreVersions()).toMatchObject({ kind: 'APIVersions', versions: [] });
    expect(kubeVersion('1.2.3')).toMatchObject({ major: '1', gitVersion: 'v1.32.0+steward-1.2.3' });
  });
});

describe('parseFieldSelector', () => {
  it.each<[string | undefined, { name?: string; notName?: string }]>([
    [undefined, {}],
    ['', {}],
    ['metadata.name=edge-1', { name: 'edge-1' }],
    ['metadata.name==edge-1', { name: 'edge-1' }],
    ['metadata.name!=edge-1', { notName: 'edge-1' }],
    [' metadata.name = edge-1 ', { name: 'edge-1' }],
    ['metadata.name=a,metadata.name!=b', { name: 'a', notName: 'b' }],
  ])('%j selects %j', (selector, expected) => {
    expect(parseFieldSelector(selector)).toEqual(expected);
  });

  it.each<[string, string]>([
    [
      'spec.platform=linux',
      'field label not supported: spec.platform (only metadata.name is, as for Kubernetes custom resources)',
    ],
    [
      'metadata.namespace=default',
      'field label not supported: metadata.namespace (only metadata.name is, as for Kubernetes custom resources)',
    ],
    ['metadata.name', 'invalid field selector "metadata.name"'],
    ['metadata.name=a,,', 'invalid field selector ""'],
  ])('%j is a 400: %s', (selector, message) => {
    const error = thrown(() => parseFieldSelector(selector));
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.message).toBe(message);
  });
});

describe('defaultManager', () => {
  it.each<[string | undefined, string]>([
    ['kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9', 'kubectl'],
    ['kubectl-client-side-apply/v1.32.0', 'kubectl-client-side-apply'],
    ['node-fetch', 'node-fetch'],
    [undefined, 'unknown'],
    ['', 'unknown'],
    ['/v1.0', 'unknown'],
    [`${'m'.repeat(200)}/1`, 'm'.repeat(128)],
  ])('User-Agent %j is manager %j', (userAgent, manager) => {
    expect(defaultManager(userAgent)).toBe(manager);
  });
});

describe('the watch’s decisions', () => {
  let seq = 0;
  const entry = (fields: Partial<JournalEntry>): JournalEntry => ({
    tenant: 'default',
    seq: ++seq,
    time: '2026-01-01T00:00:00.000Z',
    actor: { type: 'user', id: 'u-1', name: 'admin' },
    requestId: 'r-1',
    source: null,
    operation: 'apply',
    kind: 'Device',
    name: 'edge-1',
    generation: 1,
    result: 'created',
    reason: null,
    changeset: null,
    prevHash: '0'.repeat(64),
    hash: '1'.repeat(64),
    changes: [],
    ...fields,
  });

  it.each<[string, Array<Partial<JournalEntry>>, Array<{ name: string; created: boolean }>]>([
    ['nothing from nothing', [], []],
    ['a creation is created', [{}], [{ name: 'edge-1', created: true }]],
    ['a configured apply is not created', [{ result: 'configured' }], [{ name: 'edge-1', created: false }]],
    [
      'a name once, created if any entry of the batch created it',
      [{ result: 'configured' }, { result: 'created' }, { operation: 'delete', result: 'deleted' }],
      [{ name: 'edge-1', created: true }],
    ],
    [
      'names in the order first touched',
      [{ name: 'b', result: 'configured' }, { name: 'a' }, { name: 'b', result: 'unchanged' }],
      [
        { name: 'b', created: false },
        { name: 'a', created: true },
      ],
    ],
    [
      'other kinds and entries without a name left out',
      [
        { kind: 'CertificateAuthority', name: 'root' },
        { kind: null, name: null, operation: 'journal.prune' },
      ],
      [],
    ],
    [
      'a created result of another operation is not a creation',
      [{ operation: 'status', result: 'created' }],
      [{ name: 'edge-1', created: false }],
    ],
  ])('changedNames: %s', (_case, fields, expected) => {
    expect(changedNames(deepFreeze(fields.map(entry)), 'Device')).toEqual(expected);
  });

  it.each<[string | undefined, number | undefined]>([
    [undefined, undefined],
    ['', undefined],
    ['0', undefined],
    ['1', 1],
    ['4096', 4096],
  ])('resourceVersion %j starts the watch at %j', (value, expected) => {
    expect(parseWatchVersion(value)).toBe(expected);
  });

  it.each(['-1', '1.5', 'abc', '12a', ' 3'])('resourceVersion %j is a 400', (value) => {
    const error = thrown(() => parseWatchVersion(value));
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.message).toBe(
      `resourceVersion must be a resourceVersion a list or watch of this server answered, got "${value}"`,
    );
  });
});

describe('watchEventsOf: the events one change is to a watch (Kubernetes watch cache rules)', () => {
  const v1 = stored({ name: 'x', uid: 'uid-a', resourceVersion: 1 });
  const v2 = stored({ name: 'x', uid: 'uid-a', resourceVersion: 2 });
  const again = stored({ name: 'x', uid: 'uid-b', resourceVersion: 1 });
  it.each<[string, Parameters<typeof watchEventsOf>, string[]]>([
    ['new and selected: ADDED', [undefined, v1, true], ['ADDED uid-a 1']],
    ['new but not selected: nothing', [undefined, v1, false], []],
    ['gone and never held: nothing', [undefined, null, false], []],
    [
      'held and gone: DELETED with the held state',
      [{ resource: v1, exact: true }, null, false],
      ['DELETED uid-a 1'],
    ],
    [
      'held and no longer selected: DELETED with the held state',
      [{ resource: v1, exact: true }, v2, false],
      ['DELETED uid-a 1'],
    ],
    ['held, a newer version: MODIFIED', [{ resource: v1, exact: true }, v2, true], ['MODIFIED uid-a 2']],
    ['held, this very version (a journaled read): nothing', [{ resource: v2, exact: true }, v2, true], []],
    [
      'held from the client’s list, version unknown: MODIFIED',
      [{ resource: v2, exact: false }, v2, true],
      ['MODIFIED uid-a 2'],
    ],
    [
      'created since the watch’s resourceVersion: ADDED',
      [{ resource: v2, exact: false }, v2, true, true],
      ['ADDED uid-a 2'],
    ],
    [
      'deleted and created again (another uid, the same resourceVersion): DELETED then ADDED',
      [{ resource: v1, exact: true }, again, true, true],
      ['DELETED uid-a 1', 'ADDED uid-b 1'],
    ],
    [
      'another uid under a name held from the list: DELETED then ADDED',
      [{ resource: v2, exact: false }, again, true, false],
      ['DELETED uid-a 2', 'ADDED uid-b 1'],
    ],
  ])('%s', (_case, args, events) => {
    expect(
      watchEventsOf(...args).map(
        (event) => `${event.type} ${event.object.uid} ${event.object.resourceVersion}`,
      ),
    ).toEqual(events);
  });
});
