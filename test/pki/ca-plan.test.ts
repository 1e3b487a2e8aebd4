import { describe, expect, it } from 'vitest';
import { TerminalError } from '../../src/errors.js';
import {
  type CaMaterialSummary,
  type CaPlanSpec,
  type ParentCaState,
  planCertificateAuthority,
  renewalTime,
} from '../../src/pki/ca-plan.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const issuedAt = new Date('2030-01-01T00:00:00Z');
const at = (days: number) => new Date(issuedAt.getTime() + days * DAY);

const rootSpec: CaPlanSpec = { type: 'root', subject: { commonName: 'Acme Root' }, validity: '90d' };
const intermediateSpec: CaPlanSpec = {
  type: 'intermediate',
  parentRef: 'root',
  subject: { commonName: 'Acme Devices' },
  validity: '90d',
};

function material(
  spec: CaPlanSpec,
  overrides: Partial<NonNullable<CaMaterialSummary['certificate']>> = {},
): CaMaterialSummary {
  return {
    key: { algorithm: spec.keyAlgorithm ?? 'ECDSA-P256' },
    certificate: {
      notBefore: issuedAt,
      notAfter: at(90),
      madeFor: {
        subject: spec.subject,
        keyAlgorithm: spec.keyAlgorithm ?? 'ECDSA-P256',
        validity: spec.validity ?? '87600h',
        maxPathLen: spec.maxPathLen,
        parentRef: spec.type === 'intermediate' ? spec.parentRef : undefined,
        nameConstraints: spec.nameConstraints,
      },
      authorityKeyId: 'aa11',
      ...overrides,
    },
  };
}

const readyParent: ParentCaState = { ready: true, notAfter: at(3650), pathLen: 1, subjectKeyId: 'AA11' };

describe('planCertificateAuthority', () => {
  it.each<{
    name: string;
    spec: CaPlanSpec;
    material: CaMaterialSummary;
    parent?: ParentCaState;
    now: Date;
    expected: object;
  }>([
    {
      name: 'a new root with no key gets a key and a certificate',
      spec: rootSpec,
      material: {},
      now: issuedAt,
      expected: { action: 'generateKeyAndCertificate', reason: 'KeyMissing' },
    },
    {
      name: 'a new intermediate waits while its parent is not ready',
      spec: intermediateSpec,
      material: {},
      parent: { ready: false },
      now: issuedAt,
      expected: { action: 'waitForParent', reason: 'ParentNotReady' },
    },
    {
      name: 'a new intermediate waits while its parent does not exist',
      spec: intermediateSpec,
      material: {},
      parent: undefined,
      now: issuedAt,
      expected: { action: 'waitForParent', reason: 'ParentNotReady' },
    },
    {
      name: 'a new intermediate under a ready parent gets a key and a certificate',
      spec: intermediateSpec,
      material: {},
      parent: readyParent,
      now: issuedAt,
      expected: { action: 'generateKeyAndCertificate' },
    },
    {
      name: 'a key without a certificate (crash between writes) gets a certificate for the same key',
      spec: rootSpec,
      material: { key: { algorithm: 'ECDSA-P256' } },
      now: issuedAt,
      expected: { action: 'reissue', reason: 'CertificateMissing', newKey: false },
    },
    {
      name: 'a fresh root is up to date until two thirds of its validity',
      spec: rootSpec,
      material: material(rootSpec),
      now: at(10),
      expected: { action: 'upToDate', reason: 'UpToDate', renewAt: at(60), requeueAfterMs: 50 * DAY },
    },
    {
      name: 'a root is renewed with the same key once two thirds of its validity have passed',
      spec: rootSpec,
      material: material(rootSpec),
      now: at(60),
      expected: { action: 'renew', reason: 'RenewalDue', newKey: false },
    },
    {
      name: 'an explicit renewBefore moves the renewal time',
      spec: { ...rootSpec, renewBefore: '10d' },
      material: material(rootSpec),
      now: at(70),
      expected: { action: 'upToDate', renewAt: at(80) },
    },
    {
      name: 'a renewBefore longer than the certificate lifetime falls back to one third of it',
      spec: { ...rootSpec, renewBefore: '200d' },
      material: material(rootSpec),
      now: at(10),
      expected: { action: 'upToDate', renewAt: at(60) },
    },
    {
      name: 'rotateKeyOnRenewal renews with a new key',
      spec: { ...rootSpec, rotateKeyOnRenewal: true },
      material: material(rootSpec),
      now: at(61),
      expected: { action: 'renew', newKey: true },
    },
    {
      name: 'an expired certificate is renewed and says it expired',
      spec: rootSpec,
      material: material(rootSpec),
      now: at(91),
      expected: { action: 'renew', reason: 'Expired' },
    },
    {
      name: 'a changed subject reissues the certificate with the same key',
      spec: { ...rootSpec, subject: { commonName: 'Acme Root', organization: 'Acme' } },
      material: material(rootSpec),
      now: at(1),
      expected: { action: 'reissue', reason: 'SubjectChanged', newKey: false },
    },
    {
      name: 'a validity written differently but equal in length is not a change',
      spec: { ...rootSpec, validity: '2160h' },
      material: material(rootSpec),
      now: at(1),
      expected: { action: 'upToDate' },
    },
    {
      name: 'a changed validity reissues the certificate',
      spec: { ...rootSpec, validity: '30d' },
      material: material(rootSpec),
      now: at(1),
      expected: { action: 'reissue', reason: 'ValidityChanged', newKey: false },
    },
    {
      name: 'a changed key algorithm reissues with a new key',
      spec: { ...rootSpec, keyAlgorithm: 'Ed25519' },
      material: material(rootSpec),
      now: at(1),
      expected: { action: 'reissue', reason: 'KeyAlgorithmChanged', newKey: true },
    },
    {
      name: 'a changed maxPathLen reissues the certificate',
      spec: { ...rootSpec, maxPathLen: 0 },
      material: material(rootSpec),
      now: at(1),
      expected: { action: 'reissue', reason: 'PathLenChanged' },
    },
    {
      name: 'changed name constraints reissue the certificate',
      spec: { ...rootSpec, nameConstraints: { permitted: { dnsDomains: ['example.com'] } } },
      material: material(rootSpec),
      now: at(1),
      expected: { action: 'reissue', reason: 'NameConstraintsChanged' },
    },
    {
      name: 'the same name constraints in another order change nothing',
      spec: { ...rootSpec, nameConstraints: { permitted: { dnsDomains: ['b.com', 'a.com'] } } },
      material: material({ ...rootSpec, nameConstraints: { permitted: { dnsDomains: ['a.com', 'b.com'] } } }),
      now: at(1),
      expected: { action: 'upToDate' },
    },
    {
      name: 'a root turned intermediate reissues under its new parent',
      spec: intermediateSpec,
      material: material({ ...rootSpec, subject: intermediateSpec.subject }),
      parent: readyParent,
      now: at(1),
      expected: { action: 'reissue', reason: 'ParentChanged' },
    },
    {
      name: 'an intermediate whose parent has a new key reissues',
      spec: intermediateSpec,
      material: material(intermediateSpec),
      parent: { ...readyParent, subjectKeyId: 'bb22' },
      now: at(1),
      expected: { action: 'reissue', reason: 'ParentKeyChanged', newKey: false },
    },
    {
      name: 'an up-to-date intermediate stays up to date while its parent is briefly not ready',
      spec: intermediateSpec,
      material: material(intermediateSpec),
      parent: { ready: false },
      now: at(1),
      expected: { action: 'upToDate' },
    },
    {
      name: 'an intermediate due for renewal waits while its parent is not ready',
      spec: intermediateSpec,
      material: material(intermediateSpec),
      parent: { ready: false },
      now: at(61),
      expected: { action: 'waitForParent', reason: 'ParentNotReady' },
    },
    {
      name: 'an intermediate clipped to its parent waits for the parent to renew instead of renewing in a loop',
      spec: intermediateSpec,
      material: material(intermediateSpec),
      parent: { ...readyParent, notAfter: at(90) },
      now: at(61),
      expected: { action: 'waitForParent', reason: 'ParentExpiresFirst' },
    },
    {
      name: 'an intermediate due for renewal under a ready, longer-lived parent renews',
      spec: intermediateSpec,
      material: material(intermediateSpec),
      parent: readyParent,
      now: at(61),
      expected: { action: 'renew', reason: 'RenewalDue' },
    },
  ])('$name', ({ spec, material: summary, parent, now, expected }) => {
    expect(planCertificateAuthority(spec, summary, parent, now)).toMatchObject(expected);
  });

  it.each([
    {
      name: 'an intermediate under a pathLen 0 parent is refused as terminal',
      parent: { ...readyParent, pathLen: 0 },
      spec: intermediateSpec,
    },
    {
      name: 'an intermediate asking for as much pathLen as its parent has is refused as terminal',
      parent: readyParent,
      spec: { ...intermediateSpec, maxPathLen: 1 },
    },
  ])('$name', ({ parent, spec }) => {
    const plan = () => planCertificateAuthority(spec, {}, parent, issuedAt);
    expect(plan).toThrow(TerminalError);
    expect(plan).toThrow(expect.objectContaining({ reason: 'PathLengthExceeded' }));
  });

  it.each(['500ms', '59m59s', '876001h', '90000000h'])(
    'a stored validity of %s the schema now refuses is terminal (ValidityOutOfRange), never retried',
    (validity) => {
      const plan = () => planCertificateAuthority({ ...rootSpec, validity }, {}, undefined, at(1));
      expect(plan).toThrow(TerminalError);
      expect(plan).toThrow(expect.objectContaining({ reason: 'ValidityOutOfRange' }));
    },
  );

  it('an unparsable validity is refused', () => {
    expect(() =>
      planCertificateAuthority({ ...rootSpec, validity: '10 years' }, material(rootSpec), undefined, at(1)),
    ).toThrow(/invalid duration/);
  });

  it('the default validity of a root is ten years', () => {
    const spec: CaPlanSpec = { type: 'root', subject: { commonName: 'r' } };
    expect(
      planCertificateAuthority(spec, material({ ...spec, validity: '3650d' }), undefined, at(1)),
    ).toMatchObject({ action: 'upToDate' });
  });
});

describe('renewalTime', () => {
  it('is one third of the lifetime before notAfter by default', () => {
    expect(renewalTime(at(0), at(90))).toEqual(at(60));
  });
  it('honours a renewBefore shorter than the lifetime, written in any unit', () => {
    expect(renewalTime(at(0), at(90), '48h')).toEqual(at(88));
    expect(renewalTime(at(0), at(90), '1h30m').getTime()).toBe(at(90).getTime() - 1.5 * HOUR);
  });
});
