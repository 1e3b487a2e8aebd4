import { describe, expect, it } from 'vitest';
import { manifest, problemsOf, validator } from './fixtures.js';

describe('the envelope', () => {
  it.each([
    [
      'a string is one problem at the root',
      'apiVersion: steward.dev/v1',
      ': a manifest must be an object, not a string',
    ],
    ['null is one problem at the root', null, ': a manifest must be an object, not null'],
    [
      'an array is one problem at the root',
      [manifest('Device')],
      ': a manifest must be an object, not an array',
    ],
  ])('%s', (_name, document, problem) => {
    expect(problemsOf(document)).toEqual([problem]);
  });

  it('names the known kinds when the kind is unknown, and still checks the metadata', () => {
    expect(
      problemsOf({ apiVersion: 'steward.dev/v1', kind: 'Laptop', metadata: { name: 'Bad_Name' }, spec: {} }),
    ).toEqual([
      '/kind: unknown kind "Laptop" (known kinds: Artifact, AttestationAuthority, CertificateAuthority, Device, DeviceGroup, Rollout, TrustPolicy)',
      "/metadata/name: must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit",
    ]);
  });

  it('says what is served when the apiVersion is not of the steward.dev group', () => {
    expect(problemsOf({ ...manifest('Device'), apiVersion: 'v1' })).toEqual([
      '/apiVersion: must be "steward.dev/<version>" (served: steward.dev/v1), not "v1"',
    ]);
  });

  it('says what is served when the version is not served for the kind', () => {
    expect(problemsOf({ ...manifest('Rollout'), apiVersion: 'steward.dev/v2' })).toEqual([
      '/apiVersion: Rollout is not served as steward.dev/v2 (served: steward.dev/v1)',
    ]);
  });

  it('reports a missing apiVersion, kind, metadata and spec together', () => {
    expect(problemsOf({})).toEqual([
      '/apiVersion: missing required field "apiVersion" (served: steward.dev/v1)',
      '/kind: missing required field "kind" (known kinds: Artifact, AttestationAuthority, CertificateAuthority, Device, DeviceGroup, Rollout, TrustPolicy)',
      '/metadata: missing required field "metadata"',
      '/spec: missing required field "spec"',
    ]);
  });

  it('gives each problem the index of its document', () => {
    const result = validator.validate({ ...manifest('Device'), kind: 'Nope' }, 3);
    expect(result.problems.every((problem) => problem.document === 3)).toBe(true);
  });
});

describe('unknown fields', () => {
  it.each([
    ['at the top level', { ...manifest('Device'), extra: 1 }, '/extra'],
    ['in metadata', manifest('Device', {}, { name: 'x', namespace: 'default' }), '/metadata/namespace'],
    ['in spec', manifest('Device', { colour: 'blue' }), '/spec/colour'],
    [
      'in a nested object of the spec',
      manifest('Device', { user: { email: 'a@example.com', phone: '123' } }),
      '/spec/user/phone',
    ],
    [
      'in a reference',
      manifest('Rollout', { artifactRef: { name: 'agent', kind: 'Artifact' } }),
      '/spec/artifactRef/kind',
    ],
    [
      'in an array item',
      manifest('Rollout', { strategy: { waves: [{ percent: 100, pause: true }] } }),
      '/spec/strategy/waves/0/pause',
    ],
    [
      'in a selector requirement',
      manifest('DeviceGroup', {
        selector: { matchExpressions: [{ key: 'a', operator: 'Exists', value: 'x' }] },
      }),
      '/spec/selector/matchExpressions/0/value',
    ],
  ])('are reported %s with the pointer of the field itself', (_where, document, pointer) => {
    const field = pointer.split('/').at(-1);
    expect(problemsOf(document)).toEqual([`${pointer}: unknown field "${field}"`]);
  });

  it('are accepted inside labels, annotations and status', () => {
    const document = {
      ...manifest(
        'Device',
        {},
        { name: 'x', labels: { anything: 'goes' }, annotations: { 'example.com/note': 'free text!' } },
      ),
      status: { whatever: { nested: [1, 2] } },
    };
    expect(problemsOf(document)).toEqual([]);
  });

  it('are not reported for the server-set metadata that `get -o yaml` prints', () => {
    const metadata = {
      name: 'x',
      uid: '0b8f6a62-3f0e-4c1e-9f7c-1a2b3c4d5e6f',
      generation: 3,
      resourceVersion: '17',
      createdAt: '2024-05-01T12:00:00Z',
      updatedAt: '2024-05-02T08:30:00.123Z',
      deletionTimestamp: '2024-05-03T00:00:00Z',
      finalizers: ['steward.dev/revoke-certificate'],
    };
    expect(problemsOf(manifest('Device', {}, metadata))).toEqual([]);
  });
});

describe('required fields', () => {
  it.each([
    ['Device', 'permanentIdentifier'],
    ['Device', 'platform'],
    ['Artifact', 'digest'],
    ['Artifact', 'size'],
    ['Rollout', 'artifactRef'],
    ['TrustPolicy', 'permissions'],
    ['DeviceGroup', 'selector'],
    ['CertificateAuthority', 'subject'],
  ])('a %s without %s is pointed at where the field is missing', (kind, field) => {
    const document = manifest(kind);
    delete (document.spec as Record<string, unknown>)[field];
    expect(problemsOf(document)).toEqual([`/spec/${field}: missing required field "${field}"`]);
  });

  it('a manifest without metadata.name is pointed at /metadata/name', () => {
    expect(problemsOf(manifest('Device', {}, {}))).toEqual(['/metadata/name: missing required field "name"']);
  });
});

describe('all problems of a document are reported at once', () => {
  it('a Device with five mistakes gets five problems', () => {
    const document = {
      apiVersion: 'steward.dev/v1',
      kind: 'Device',
      metadata: { name: 'Laptop_1', labels: { team: '-x' } },
      spec: { platform: 'apple', permanentIdentifier: 'c02xg2jh', user: { email: 'nope' }, colour: 'red' },
    };
    expect(problemsOf(document)).toEqual([
      "/metadata/name: must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit",
      "/metadata/labels/team: must be a label value: empty, or letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
      '/spec/permanentIdentifier: must be an Apple serial number: 9 to 12 upper-case letters and digits',
      '/spec/colour: unknown field "colour"',
      '/spec/user/email: must be an e-mail address, e.g. "ada@example.com"',
    ]);
  });
});

describe('CertificateAuthority parents', () => {
  it('a root with a parentRef is refused at the parentRef', () => {
    expect(
      problemsOf(manifest('CertificateAuthority', { type: 'root', parentRef: { name: 'other' } })),
    ).toEqual(['/spec/parentRef: must be omitted: a root CA is self-signed and has no parent']);
  });

  it('an intermediate without a parentRef is refused, saying why it is needed', () => {
    expect(problemsOf(manifest('CertificateAuthority', { type: 'intermediate' }))).toEqual([
      '/spec/parentRef: missing required field "parentRef": an intermediate CA names the CA that signs it',
    ]);
  });

  it('an intermediate with a parentRef is accepted', () => {
    expect(
      problemsOf(
        manifest('CertificateAuthority', { type: 'intermediate', parentRef: { name: 'fleet-root' } }),
      ),
    ).toEqual([]);
  });

  it('a CA of an unknown type gets one problem, not one per rule about types', () => {
    expect(problemsOf(manifest('CertificateAuthority', { type: 'leaf' }))).toEqual([
      '/spec/type: must be one of "root", "intermediate" (got "leaf")',
    ]);
  });
});

describe('Rollout targets and waves', () => {
  it.each([
    ['a group alone is accepted', { groupRef: { name: 'prod' } }, []],
    ['a selector alone is accepted', { selector: { matchLabels: { ring: 'canary' } } }, []],
    [
      'both a group and a selector are refused once',
      { groupRef: { name: 'prod' }, selector: {} },
      ['/spec/target: must set exactly one of groupRef or selector'],
    ],
    [
      'neither a group nor a selector is refused once',
      {},
      ['/spec/target: must set exactly one of groupRef or selector'],
    ],
    [
      'a bad group name is reported inside the target',
      { groupRef: { name: 'Prod' } },
      [
        "/spec/target/groupRef/name: must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit",
      ],
    ],
  ])('%s', (_name, target, problems) => {
    expect(problemsOf(manifest('Rollout', { target }))).toEqual(problems);
  });

  it('a wave whose percent goes down is pointed at that wave', () => {
    const waves = [{ percent: 10 }, { percent: 50 }, { percent: 30 }, { percent: 100 }];
    expect(problemsOf(manifest('Rollout', { strategy: { waves } }))).toEqual([
      "/spec/strategy/waves/2/percent: must not be less than the previous item's percent (50)",
    ]);
  });

  it.each([
    ['no wave', [], '/spec/strategy/waves: must not be empty'],
    [
      '21 waves',
      Array.from({ length: 21 }, () => ({ percent: 100 })),
      '/spec/strategy/waves: must have at most 20 items',
    ],
    ['a wave of 0 percent', [{ percent: 0 }], '/spec/strategy/waves/0/percent: must be at least 1'],
    ['a wave of 101 percent', [{ percent: 101 }], '/spec/strategy/waves/0/percent: must be at most 100'],
    [
      'a negative soak',
      [{ percent: 100, soakSeconds: -1 }],
      '/spec/strategy/waves/0/soakSeconds: must be at least 0',
    ],
  ])('a strategy with %s is refused', (_name, waves, problem) => {
    expect(problemsOf(manifest('Rollout', { strategy: { waves } }))).toEqual([problem]);
  });

  it('selector requirements: In needs values, Exists takes none', () => {
    const selector = {
      matchExpressions: [
        { key: 'ring', operator: 'In' },
        { key: 'ring', operator: 'NotIn', values: [] },
        { key: 'ring', operator: 'Exists', values: ['x'] },
        { key: 'ring', operator: 'Like', values: ['x'] },
      ],
    };
    expect(problemsOf(manifest('Rollout', { target: { selector } }))).toEqual([
      '/spec/target/selector/matchExpressions/0/values: missing required field "values": operators In and NotIn need values',
      '/spec/target/selector/matchExpressions/1/values: must not be empty',
      '/spec/target/selector/matchExpressions/2/values: must be omitted: operators Exists and DoesNotExist take no values',
      '/spec/target/selector/matchExpressions/3/operator: must be one of "In", "NotIn", "Exists", "DoesNotExist" (got "Like")',
    ]);
  });
});

describe('TrustPolicy claims', () => {
  const NEEDS_OWNER_OR_REPO =
    '/spec/claims: must set repository_owner, repository_owner_id or repository (non-empty): a policy may not trust every repository of the issuer';
  it.each([
    ['an owner alone is enough', { repository_owner: 'example-org' }, []],
    ['a repository alone is enough', { repository: 'example-org/fleet' }, []],
    ['a ref alone is refused', { ref: 'refs/heads/main' }, [NEEDS_OWNER_OR_REPO]],
    [
      'an empty owner (a wildcard) is not enough',
      { repository_owner: '', environment: 'production' },
      [NEEDS_OWNER_OR_REPO],
    ],
    [
      'an unknown claim is refused by name',
      { repository: 'a/b', actor: 'octocat' },
      ['/spec/claims/actor: unknown field "actor"'],
    ],
  ])('%s', (_name, claims, problems) => {
    expect(problemsOf(manifest('TrustPolicy', { claims }))).toEqual(problems);
  });

  it.each([
    [-1, '/spec/maxSessionSeconds: must be at least 0'],
    [3601, '/spec/maxSessionSeconds: must be at most 3600'],
    [90.5, '/spec/maxSessionSeconds: must be an integer, not a number'],
  ])('a session of %s seconds is refused', (seconds, problem) => {
    expect(problemsOf(manifest('TrustPolicy', { maxSessionSeconds: seconds }))).toEqual([problem]);
  });
});

describe('defaults', () => {
  it('are filled into the returned manifest', () => {
    const ca = validator.validate(manifest('CertificateAuthority')).manifest;
    expect(ca?.spec).toMatchObject({
      keyAlgorithm: 'ECDSA-P256',
      validity: '87600h',
      rotateKeyOnRenewal: false,
    });
    const intermediate = validator.validate(
      manifest('CertificateAuthority', { type: 'intermediate', parentRef: { name: 'r' } }),
    );
    expect(intermediate.manifest?.spec.validity).toBe('43800h');
    const policy = validator.validate(manifest('TrustPolicy')).manifest;
    expect(policy?.spec).toMatchObject({
      maxSessionSeconds: 3600,
      issuer: 'https://token.actions.githubusercontent.com',
    });
    const rollout = validator.validate(manifest('Rollout')).manifest;
    expect(rollout?.spec).toMatchObject({
      paused: false,
      strategy: { waves: [{ percent: 100, requireApproval: false, soakSeconds: 0 }], maxFailurePercent: 10 },
    });
  });

  it('never overwrite what the user wrote', () => {
    const ca = validator.validate(
      manifest('CertificateAuthority', { keyAlgorithm: 'Ed25519', validity: '1d' }),
    ).manifest;
    expect(ca?.spec).toMatchObject({ keyAlgorithm: 'Ed25519', validity: '1d' });
  });

  it('leave the caller’s document untouched', () => {
    const document = manifest('TrustPolicy');
    const before = structuredClone(document);
    const result = validator.validate(document);
    expect(result.ok).toBe(true);
    expect(document).toEqual(before);
    expect(result.manifest).not.toBe(document);
  });

  it('are not returned for an invalid document', () => {
    const result = validator.validate(manifest('TrustPolicy', { permissions: [] }));
    expect(result.ok).toBe(false);
    expect(result.manifest).toBeUndefined();
  });
});

describe('schemaFor', () => {
  it('returns the raw schema of a kind and version', () => {
    const schema = validator.schemaFor('Device', 'v1') as { $id: string; title: string };
    expect(schema.$id).toBe('https://steward.dev/schemas/v1/device.json');
    expect(schema.title).toBe('Device');
  });

  it('returns schemas that callers cannot change under the validator', () => {
    expect(Object.isFrozen(validator.schemaFor('Device', 'v1'))).toBe(true);
  });

  it('refuses a kind or version without a schema', () => {
    expect(() => validator.schemaFor('Device', 'v9')).toThrow('no schema for kind Device v9');
  });

  it('gives the shared definitions the kind schemas reference', () => {
    expect((validator.commonSchema('v1') as { $id: string }).$id).toBe(
      'https://steward.dev/schemas/v1/common.json',
    );
  });
});
