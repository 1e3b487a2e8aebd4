/**
 * managedFields as tables: which leaves are managed, FieldsV1 both ways, what an Update takes,
 * when a server-side apply conflicts and what force transfers, the conflict message. Every input
 * is deep-frozen: no function may mutate one.
 */
import { describe, expect, it } from 'vitest';
import { InvalidError, type StewardError } from '../../src/errors.js';
import {
  changedPaths,
  type ManagedFieldsEntry,
  managedPaths,
  recordUpdate,
  serverSideApply,
} from '../../src/resources/managed-fields.js';
import {
  CONFLICT_ADVICE,
  conflictMessage,
  type FieldConflict,
} from '../../src/resources/managed-fields-conflicts.js';
import { type FieldPath, fromFieldsV1, toFieldsV1 } from '../../src/resources/managed-fields-encoding.js';

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}

const V1 = 'steward.dev/v1';
const T0 = '2026-01-01T00:00:00Z';
const T1 = '2026-01-01T00:01:00Z';
const T2 = '2026-01-01T00:02:00Z';

function device(labels: Record<string, string>, spec: Record<string, unknown>) {
  return deepFreeze({
    apiVersion: V1,
    kind: 'Device',
    metadata: { name: 'd1', labels },
    spec,
    status: { phase: 'Ready' },
  });
}

/** Who owns which paths, by `manager/operation`, in entry order: what the tables compare. */
function owners(entries: ManagedFieldsEntry[]): Record<string, string[]> {
  return Object.fromEntries(
    entries.map((entry) => [
      `${entry.manager}/${entry.operation}`,
      fromFieldsV1(entry.fieldsV1).map((path) => path.join('.')),
    ]),
  );
}

function apply(
  entries: ManagedFieldsEntry[],
  manager: string,
  live: object | undefined,
  applied: object,
  force = false,
  now = T1,
) {
  return serverSideApply(deepFreeze({ entries, manager, apiVersion: V1, live, applied, force, now }));
}

function update(
  entries: ManagedFieldsEntry[],
  manager: string,
  before: object | undefined,
  after: object,
  now = T1,
) {
  return recordUpdate(deepFreeze({ entries, manager, apiVersion: V1, before, after, now }));
}

describe('managedPaths', () => {
  it.each<[string, object, FieldPath[]]>([
    [
      'labels, annotations and spec leaves; never status nor other metadata',
      {
        metadata: { name: 'd1', resourceVersion: '7', labels: { app: 'x' }, annotations: { note: 'y' } },
        spec: { platform: 'linux', identity: { keyAlgorithm: 'ec-p256' } },
        status: { phase: 'Ready' },
      },
      [
        ['metadata', 'labels', 'app'],
        ['metadata', 'annotations', 'note'],
        ['spec', 'platform'],
        ['spec', 'identity', 'keyAlgorithm'],
      ],
    ],
    [
      'an array is one leaf, an empty object is a leaf',
      { spec: { tags: [{ a: 1 }, 2], options: {} } },
      [
        ['spec', 'tags'],
        ['spec', 'options'],
      ],
    ],
    ['an empty spec is itself a leaf', { spec: {} }, [['spec']]],
    ['no spec, no labels: nothing', { metadata: { name: 'd1', labels: {} } }, []],
    [
      'a StoredResource: labels and annotations at the top level',
      { kind: 'Device', name: 'd1', labels: { app: 'x' }, annotations: {}, spec: { platform: 'linux' } },
      [
        ['metadata', 'labels', 'app'],
        ['spec', 'platform'],
      ],
    ],
    [
      'a label key with dots and a slash is one segment',
      { metadata: { labels: { 'app.kubernetes.io/name': 'x' } } },
      [['metadata', 'labels', 'app.kubernetes.io/name']],
    ],
  ])('%s', (_name, object, paths) => {
    expect(managedPaths(deepFreeze(object))).toEqual(paths);
  });

  it('walks a spec 100,000 levels deep without exhausting the stack', () => {
    let spec: unknown = 1;
    for (let depth = 0; depth < 100_000; depth++) spec = { a: spec };
    expect(managedPaths({ spec })[0]).toHaveLength(100_001);
  });
});

describe('toFieldsV1 and fromFieldsV1', () => {
  it.each<[string, FieldPath[], Record<string, unknown>]>([
    [
      'nested f: keys, parents without "."',
      [
        ['metadata', 'labels', 'app'],
        ['spec', 'platform'],
      ],
      { 'f:metadata': { 'f:labels': { 'f:app': {} } }, 'f:spec': { 'f:platform': {} } },
    ],
    [
      'keys sorted, duplicates merged',
      [
        ['spec', 'b'],
        ['spec', 'a'],
        ['spec', 'b'],
      ],
      { 'f:spec': { 'f:a': {}, 'f:b': {} } },
    ],
    [
      'a path that is also a parent gets ".", first',
      [
        ['spec', 'x', 'y'],
        ['spec', 'x'],
      ],
      { 'f:spec': { 'f:x': { '.': {}, 'f:y': {} } } },
    ],
    ['no paths: an empty tree', [], {}],
  ])('%s', (_name, paths, fields) => {
    const encoded = toFieldsV1(deepFreeze(paths));
    expect(encoded).toEqual(fields);
    expect(Object.keys(JSON.parse(JSON.stringify(encoded)))).toEqual(Object.keys(fields));
    const sorted = [...new Set(paths.map((path) => JSON.stringify(path)))].sort();
    expect(
      fromFieldsV1(deepFreeze(encoded))
        .map((path) => JSON.stringify(path))
        .sort(),
    ).toEqual(sorted);
  });

  it('round-trips the managed paths of a resource, odd keys included', () => {
    const paths = managedPaths(
      deepFreeze({
        metadata: { labels: { 'app.kubernetes.io/name': 'x', '.': 'dot', 'f:x': 'y' } },
        spec: { 'a/b': { '~c': [1] }, empty: {}, __proto__x: 1 },
      }),
    );
    expect(fromFieldsV1(toFieldsV1(paths))).toEqual(
      [...paths].sort((a, b) => (a.join('\0') < b.join('\0') ? -1 : 1)),
    );
  });

  it('reads what Kubernetes writes for lists with k:, v: and i: keys as raw segments', () => {
    const fields = deepFreeze({
      'f:spec': { 'f:containers': { 'k:{"name":"a"}': { '.': {}, 'f:image': {} }, 'v:"x"': {}, 'i:0': {} } },
    });
    expect(fromFieldsV1(fields)).toEqual([
      ['spec', 'containers', 'k:{"name":"a"}'],
      ['spec', 'containers', 'k:{"name":"a"}', 'image'],
      ['spec', 'containers', 'v:"x"'],
      ['spec', 'containers', 'i:0'],
    ]);
  });

  it.each<[string, unknown, Array<{ pointer: string; message: string }>]>([
    ['not an object', [], [{ pointer: '', message: 'fieldsV1 must be an object, got an array' }]],
    [
      'a key that is no FieldsV1 key, and a leaf that is not an object: every problem at once',
      { 'f:spec': { platform: {}, 'f:x': true } },
      [
        {
          pointer: '/f:spec/platform',
          message: '"platform" is not a FieldsV1 key (f:<field>, k:<key>, v:<value>, i:<index> or ".")',
        },
        { pointer: '/f:spec/f:x', message: 'must be an object, got a boolean' },
      ],
    ],
    ['"." at the root', { '.': {} }, [{ pointer: '/.', message: '"." at the root names no field' }]],
    [
      'a "__proto__" key',
      JSON.parse('{"__proto__": {}}'),
      [
        {
          pointer: '/__proto__',
          message: '"__proto__" is not a FieldsV1 key (f:<field>, k:<key>, v:<value>, i:<index> or ".")',
        },
      ],
    ],
  ])('refuses %s (InvalidError)', (_name, fields, problems) => {
    let error: StewardError | undefined;
    try {
      fromFieldsV1(deepFreeze(fields));
    } catch (caught) {
      error = caught as StewardError;
    }
    expect(error).toBeInstanceOf(InvalidError);
    expect(error?.problems).toEqual(problems);
  });
});

describe('changedPaths', () => {
  it.each<[string, object | undefined, object, string[]]>([
    [
      'everything on create',
      undefined,
      device({ app: 'x' }, { platform: 'linux' }),
      ['metadata.labels.app', 'spec.platform'],
    ],
    [
      'nothing when only status and other metadata change',
      device({ app: 'x' }, { a: 1 }),
      { ...device({ app: 'x' }, { a: 1 }), status: {} },
      [],
    ],
    [
      'nested additions and removals',
      device({}, { identity: { keyAlgorithm: 'rsa', old: { deep: 1 } } }),
      device({}, { identity: { keyAlgorithm: 'rsa', added: { deeper: { x: 1 } } } }),
      ['spec.identity.added.deeper.x', 'spec.identity.old.deep'],
    ],
    [
      'a changed label and a removed one',
      device({ app: 'x', team: 't' }, {}),
      device({ app: 'y' }, {}),
      ['metadata.labels.app', 'metadata.labels.team'],
    ],
    [
      'an array changed inside is the array',
      device({}, { tags: [1, { a: 1 }] }),
      device({}, { tags: [1, { a: 2 }] }),
      ['spec.tags'],
    ],
    [
      'an object becoming a scalar',
      device({}, { x: { y: 1 } }),
      device({}, { x: 5 }),
      ['spec.x', 'spec.x.y'],
    ],
    [
      'equal objects in another key order: nothing',
      device({}, { x: { a: 1, b: 2 } }),
      device({}, { x: { b: 2, a: 1 } }),
      [],
    ],
  ])('%s', (_name, before, after, paths) => {
    expect(changedPaths(before, after).map((path) => path.join('.'))).toEqual(paths);
  });
});

describe('recordUpdate', () => {
  it('a create: the manager owns every leaf it set', () => {
    const entries = update([], 'kubectl-create', undefined, device({ app: 'x' }, { platform: 'linux' }), T0);
    expect(entries).toEqual([
      {
        manager: 'kubectl-create',
        operation: 'Update',
        apiVersion: V1,
        time: T0,
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:metadata': { 'f:labels': { 'f:app': {} } }, 'f:spec': { 'f:platform': {} } },
      },
    ]);
  });

  it('takes the leaves it changed from every other manager, and keeps the entry order', () => {
    const v1 = device({ app: 'x', team: 'a' }, { platform: 'linux' });
    const applied = apply([], 'gitops', undefined, v1, false, T0).entries;
    const v2 = device({ app: 'x', team: 'b' }, { platform: 'linux' });
    const entries = update(applied, 'kubectl-label', v1, v2);
    expect(owners(entries)).toEqual({
      'gitops/Apply': ['metadata.labels.app', 'spec.platform'],
      'kubectl-label/Update': ['metadata.labels.team'],
    });
    expect(entries[0].time).toBe(T0);
    expect(entries[1].time).toBe(T1);
  });

  it('a removed leaf leaves every owner; an entry left with nothing is dropped', () => {
    const v1 = device({ team: 'a' }, { platform: 'linux' });
    const base = apply([], 'gitops', undefined, device({}, { platform: 'linux' }), false, T0).entries;
    const labelled = update(base, 'kubectl-label', device({}, { platform: 'linux' }), v1);
    const entries = update(labelled, 'kubectl-edit', v1, device({}, { platform: 'linux' }));
    expect(owners(entries)).toEqual({ 'gitops/Apply': ['spec.platform'] });
  });

  it('a write that changes nothing keeps every entry as it was, times included', () => {
    const v1 = device({ app: 'x' }, { platform: 'linux' });
    const base = update([], 'kubectl-create', undefined, v1, T0);
    expect(update(base, 'kubectl-edit', v1, { ...v1, status: { phase: 'Failed' } }, T2)).toEqual(base);
  });

  it('updates the time of its own entry when it takes more, and never conflicts', () => {
    const v1 = device({}, { a: 1 });
    const v2 = device({}, { a: 1, b: 2 });
    const base = update([], 'steward-cli', undefined, v1, T0);
    const entries = update(base, 'steward-cli', v1, v2, T2);
    expect(entries).toHaveLength(1);
    expect(entries[0].time).toBe(T2);
    expect(owners(entries)).toEqual({ 'steward-cli/Update': ['spec.a', 'spec.b'] });
  });

  it('reads a StoredResource as the apply hook gives it (labels at the top)', () => {
    const stored = (team: string) =>
      deepFreeze({ kind: 'Device', name: 'd1', labels: { team }, annotations: {}, spec: { a: 1 } });
    const base = update([], 'gitops', undefined, stored('a'), T0);
    expect(owners(base)).toEqual({ 'gitops/Update': ['metadata.labels.team', 'spec.a'] });
    expect(owners(update(base, 'kubectl-label', stored('a'), stored('b')))).toEqual({
      'gitops/Update': ['spec.a'],
      'kubectl-label/Update': ['metadata.labels.team'],
    });
  });
});

describe('serverSideApply', () => {
  const v1 = device({ app: 'x', team: 'edge' }, { platform: 'linux', replicas: 1 });

  it('a first apply owns every leaf it applied', () => {
    const result = apply([], 'gitops', undefined, v1, false, T0);
    expect(result.conflicts).toEqual([]);
    expect(owners(result.entries)).toEqual({
      'gitops/Apply': ['metadata.labels.app', 'metadata.labels.team', 'spec.platform', 'spec.replicas'],
    });
  });

  // apply, an update by another manager, then the same apply again.
  const applied = apply([], 'gitops', undefined, v1, false, T0).entries;
  const v2 = device({ app: 'x', team: 'core' }, { platform: 'linux', replicas: 3 });
  const updated = update(applied, 'kubectl-edit', v1, v2);

  it('re-applying over another manager’s change conflicts on each leaf it would change back', () => {
    const result = apply(updated, 'gitops', v2, v1, false, T2);
    const conflicts: FieldConflict[] = [
      { manager: 'kubectl-edit', operation: 'Update', apiVersion: V1, path: ['metadata', 'labels', 'team'] },
      { manager: 'kubectl-edit', operation: 'Update', apiVersion: V1, path: ['spec', 'replicas'] },
    ];
    expect(result.conflicts).toEqual(conflicts);
    expect(result.entries).toEqual(updated);
    expect(result.entries).not.toBe(updated);
    expect(result.overridden).toEqual([]);
  });

  it('with force, takes those leaves: the other manager loses them, and its empty entry goes', () => {
    const result = apply(updated, 'gitops', v2, v1, true, T2);
    expect(result.conflicts).toEqual([]);
    expect(result.overridden.map((conflict) => conflict.path.join('.'))).toEqual([
      'metadata.labels.team',
      'spec.replicas',
    ]);
    expect(owners(result.entries)).toEqual({
      'gitops/Apply': ['metadata.labels.app', 'metadata.labels.team', 'spec.platform', 'spec.replicas'],
    });
    expect(result.entries[0].time).toBe(T2);
  });

  it('an apply that takes up the other manager’s values does not conflict and shares them', () => {
    const result = apply(updated, 'gitops', v2, v2, false, T2);
    expect(result.conflicts).toEqual([]);
    expect(owners(result.entries)).toEqual({
      'gitops/Apply': ['metadata.labels.app', 'metadata.labels.team', 'spec.platform', 'spec.replicas'],
      'kubectl-edit/Update': ['metadata.labels.team', 'spec.replicas'],
    });
  });

  it('two appliers of an identical value share it, both keep it', () => {
    const first = apply([], 'gitops', undefined, device({}, { platform: 'linux' }), false, T0).entries;
    const second = apply(
      first,
      'fleet-bot',
      device({}, { platform: 'linux' }),
      device({}, { platform: 'linux' }),
    );
    expect(second.conflicts).toEqual([]);
    expect(owners(second.entries)).toEqual({
      'gitops/Apply': ['spec.platform'],
      'fleet-bot/Apply': ['spec.platform'],
    });
  });

  it('removing a label another manager owns conflicts (apply replaces labels)', () => {
    const base = apply([], 'gitops', undefined, device({}, { a: 1 }), false, T0).entries;
    const labelled = update(base, 'kubectl-label', device({}, { a: 1 }), device({ team: 'edge' }, { a: 1 }));
    const result = apply(labelled, 'gitops', device({ team: 'edge' }, { a: 1 }), device({}, { a: 1 }));
    expect(result.conflicts).toEqual([
      { manager: 'kubectl-label', operation: 'Update', apiVersion: V1, path: ['metadata', 'labels', 'team'] },
    ]);
  });

  it('owns an array whole: an element changed by another manager conflicts on the array', () => {
    const list = (tags: unknown[]) => device({}, { tags });
    const base = apply([], 'gitops', undefined, list(['a', 'b']), false, T0).entries;
    const edited = update(base, 'kubectl-edit', list(['a', 'b']), list(['a', 'c']));
    expect(owners(edited)).toEqual({ 'kubectl-edit/Update': ['spec.tags'] });
    expect(apply(edited, 'gitops', list(['a', 'c']), list(['a', 'b'])).conflicts.map((c) => c.path)).toEqual([
      ['spec', 'tags'],
    ]);
  });

  it('drops leaves the apply leaves out from everyone when nobody else owns them', () => {
    const base = apply([], 'gitops', undefined, device({ app: 'x' }, { a: 1, b: 2 }), false, T0).entries;
    const result = apply(base, 'gitops', device({ app: 'x' }, { a: 1, b: 2 }), device({}, { a: 1 }));
    expect(result.conflicts).toEqual([]);
    expect(owners(result.entries)).toEqual({ 'gitops/Apply': ['spec.a'] });
  });

  it('keeps entry order, the applier’s entry in place, a new applier appended; an empty apply drops its entry', () => {
    const a = update([], 'kubectl-create', undefined, device({ app: 'x' }, { a: 1 }), T0);
    const b = apply(a, 'gitops', device({ app: 'x' }, { a: 1 }), device({ app: 'x' }, { a: 1 })).entries;
    expect(b.map((entry) => entry.manager)).toEqual(['kubectl-create', 'gitops']);
    const c = apply(b, 'gitops', device({ app: 'x' }, { a: 1 }), { metadata: { name: 'd1' } }, true);
    expect(c.entries).toEqual([]);
  });

  it('conflicts with the same manager’s Update entry, as Kubernetes keys them apart', () => {
    const base = update([], 'steward-cli', undefined, device({}, { a: 1 }), T0);
    const result = apply(base, 'steward-cli', device({}, { a: 1 }), device({}, { a: 2 }));
    expect(result.conflicts).toEqual([
      { manager: 'steward-cli', operation: 'Update', apiVersion: V1, path: ['spec', 'a'] },
    ]);
  });

  it('refuses malformed entries, naming where they are', () => {
    const broken = deepFreeze([{ ...applied[0], fieldsV1: { spec: {} } }]);
    expect(() => apply(broken, 'gitops', v1, v1)).toThrow(InvalidError);
    try {
      apply(broken, 'gitops', v1, v1);
    } catch (error) {
      expect((error as StewardError).problems[0].pointer).toBe('/metadata/managedFields/0/fieldsV1/spec');
    }
  });
});

describe('conflictMessage', () => {
  const conflict = (manager: string, operation: 'Apply' | 'Update', path: string[]): FieldConflict => ({
    manager,
    operation,
    apiVersion: V1,
    path,
  });

  it('words one conflict as Kubernetes does', () => {
    const result = conflictMessage([conflict('kubectl-label', 'Update', ['metadata', 'labels', 'team'])]);
    expect(result.message).toBe(
      'Apply failed with 1 conflict: conflict with "kubectl-label" using steward.dev/v1: .metadata.labels.team',
    );
    expect(result.causes).toEqual([
      {
        reason: 'FieldManagerConflict',
        message: 'conflict with "kubectl-label" using steward.dev/v1',
        field: '.metadata.labels.team',
      },
    ]);
    expect(result.advice).toBe(CONFLICT_ADVICE);
    expect(result.advice).toContain('--force-conflicts');
  });

  it('groups several by manager, sorted, one line per field; an applier is named without apiVersion', () => {
    const result = conflictMessage([
      conflict('kubectl-label', 'Update', ['metadata', 'labels', 'app.kubernetes.io/name']),
      conflict('fleet-bot', 'Apply', ['spec', 'identity', 'keyAlgorithm']),
      conflict('kubectl-label', 'Update', ['spec', 'replicas']),
    ]);
    expect(result.message).toBe(
      [
        'Apply failed with 3 conflicts: conflicts with "fleet-bot":',
        '- .spec.identity.keyAlgorithm',
        'conflicts with "kubectl-label" using steward.dev/v1:',
        '- .metadata.labels.app.kubernetes.io/name',
        '- .spec.replicas',
      ].join('\n'),
    );
    expect(result.causes.map((cause) => cause.field)).toEqual([
      '.metadata.labels.app.kubernetes.io/name',
      '.spec.identity.keyAlgorithm',
      '.spec.replicas',
    ]);
    expect(result.causes[1].message).toBe('conflict with "fleet-bot"');
  });
});
