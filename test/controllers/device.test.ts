/** The Device reconciler's pure decision, as a table whose rows are sentences. */
import { describe, expect, it } from 'vitest';
import { type DeviceObserved, decideDevice } from '../../controllers/device.js';
import type { DeviceRecordRow } from '../../src/devices/device-tables.js';
import type { DeviceSpec, DeviceStatus } from '../../src/kinds/generated/v1/device.js';
import type { StoredResource } from '../../src/resources/model.js';

const NOW = new Date('2026-12-04T12:00:00.000Z');
const T0 = '2026-12-01T00:00:00.000Z';

function resource(kind: string, name: string, spec: object, status: object = {}): StoredResource {
  return {
    tenant: 'acme',
    kind,
    name,
    uid: `${name}-uid`,
    apiVersion: 'steward.dev/v1',
    labels: {},
    annotations: {},
    spec: spec as Record<string, unknown>,
    status: status as Record<string, unknown>,
    generation: 1,
    resourceVersion: 1,
    createdAt: T0,
    updatedAt: T0,
    deletionTimestamp: null,
    finalizers: [],
  };
}

const device = resource('Device', 'd1', {
  platform: 'linux',
  permanentIdentifier: 'host-1',
  identity: { caRef: { name: 'devices' } },
}) as StoredResource<DeviceSpec, DeviceStatus>;
const readyCa = resource(
  'CertificateAuthority',
  'devices',
  {},
  {
    observedGeneration: 1,
    conditions: [{ type: 'Ready', status: 'True', reason: 'UpToDate', message: '', lastTransitionTime: T0 }],
  },
);

function record(overrides: Partial<DeviceRecordRow> = {}): DeviceRecordRow {
  return {
    tenant: 'acme',
    name: 'd1',
    enroll_token: 'abcdef0123456789',
    enrolled_at: T0,
    approval: 'approved',
    approved_by: 'enroll-token:abcdef0123456789',
    approved_at: T0,
    last_seen: '2026-12-04T11:59:00.000Z',
    installed_artifact: 'os',
    installed_version: '1.2.3',
    attestation: null,
    enroll_key: null,
    self_registered: true,
    ...overrides,
  };
}

const validCertificate = {
  serial: '0a1b',
  caName: 'devices',
  notBefore: '2026-12-01T00:00:00.000Z',
  notAfter: '2026-12-31T00:00:00.000Z',
};

function observed(overrides: Partial<DeviceObserved> = {}): DeviceObserved {
  return { ca: readyCa, record: record(), certificate: validCertificate, otherIssuers: [], ...overrides };
}

function condition(plan: ReturnType<typeof decideDevice>, type: string) {
  if ('act' in plan) throw new Error('expected a report');
  return plan.conditions.find((candidate) => candidate.type === type);
}

describe('the Device decision', () => {
  const rows: Array<[string, DeviceObserved, Record<string, string>]> = [
    [
      'a device whose CA does not exist is not Ready and says which CA',
      observed({ ca: null, certificate: null, record: null }),
      { Ready: 'False/CertificateAuthorityNotFound', Enrolled: 'False/AwaitingEnrollment' },
    ],
    [
      'a device created through the API that never enrolled awaits enrollment and counts as approved',
      observed({ record: null, certificate: null }),
      { Ready: 'False/AwaitingEnrollment', CertificateValid: 'False/AwaitingEnrollment' },
    ],
    [
      'a device enrolled with a manual token waits for approval',
      observed({ record: record({ approval: 'pending' }), certificate: null }),
      { Ready: 'False/PendingApproval', Enrolled: 'True/Enrolled' },
    ],
    [
      'an approved device with a valid certificate is Ready',
      observed(),
      {
        Ready: 'True/DeviceReady',
        CertificateValid: 'True/CertificateIssued',
        Attested: 'False/NotAttested',
      },
    ],
    [
      'a device whose certificate expired must enroll again',
      observed({ certificate: { ...validCertificate, notAfter: '2026-12-02T00:00:00.000Z' } }),
      { Ready: 'False/AwaitingEnrollment', CertificateValid: 'False/CertificateExpired' },
    ],
    [
      'a verified attestation makes the device Attested',
      observed({
        record: record({
          attestation: {
            attested: true,
            format: 'tpm',
            authority: 'tpm-makers',
            reason: 'Verified',
            message: 'ok',
            at: T0,
          },
        }),
      }),
      { Attested: 'True/Verified', Ready: 'True/DeviceReady' },
    ],
    [
      'a failed attestation names the check that failed',
      observed({
        record: record({
          attestation: {
            attested: false,
            format: 'tpm',
            authority: null,
            reason: 'Nonce',
            message: 'stale',
            at: T0,
          },
        }),
      }),
      { Attested: 'False/Nonce' },
    ],
  ];
  it.each(rows)('%s', (_name, input, expected) => {
    const plan = decideDevice(device, input, NOW);
    for (const [type, value] of Object.entries(expected)) {
      const found = condition(plan, type);
      expect(`${found?.status}/${found?.reason}`, type).toBe(value);
    }
  });

  it('assurance is high only with a verified attestation', () => {
    const verified = decideDevice(
      device,
      observed({
        record: record({
          attestation: {
            attested: true,
            format: 'apple',
            authority: 'apple',
            reason: 'Verified',
            message: '',
            at: T0,
          },
        }),
      }),
      NOW,
    );
    const failed = decideDevice(
      device,
      observed({
        record: record({
          attestation: {
            attested: false,
            format: 'apple',
            authority: null,
            reason: 'Chain',
            message: '',
            at: T0,
          },
        }),
      }),
      NOW,
    );
    expect('act' in verified ? null : verified.status?.assurance).toBe('high');
    expect('act' in failed ? null : failed.status?.assurance).toBe('normal');
    expect('act' in failed ? null : decideDevice(device, observed(), NOW)).toMatchObject({
      status: { assurance: 'normal', approved: true, installed: { artifact: 'os', version: '1.2.3' } },
    });
  });

  it('certificates from a CA the device no longer names are revoked first', () => {
    expect(decideDevice(device, observed({ otherIssuers: ['old-ca'] }), NOW)).toEqual({
      act: { type: 'revokeOtherIssuers', issuers: ['old-ca'] },
    });
  });

  it('a valid certificate requeues the device for its expiry', () => {
    const plan = decideDevice(device, observed(), NOW);
    expect('act' in plan ? 0 : plan.requeueAfter).toBe(
      new Date(validCertificate.notAfter).getTime() - NOW.getTime() + 1_000,
    );
  });
});
