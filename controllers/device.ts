/**
 * Device. Today: checks its identity CA reference and reports why it is not Ready. Enrollment,
 * identity certificates, renewal, revocation on delete (a finalizer) and attestation come with
 * the device API; until then no device is Ready.
 */
import type { Controller, ReconcileResult } from '../src/engine/controller.js';
import { isReady, ready } from '../src/engine/controller.js';
import type { DeviceSpec, DeviceStatus } from '../src/kinds/generated/v1/device.js';
import type { StoredResource } from '../src/resources/model.js';

export const DeviceReason = {
  CertificateAuthorityNotFound: 'CertificateAuthorityNotFound',
  CertificateAuthorityNotReady: 'CertificateAuthorityNotReady',
  /** The device has not enrolled (enrollment through the device API is not built yet). */
  AwaitingEnrollment: 'AwaitingEnrollment',
} as const;

const CA_REF = ['spec', 'identity', 'caRef', 'name'] as const;

/** The decision, from the CA reference and the CA as stored (null: missing). Pure. */
export function decideDevice(
  caName: string | undefined,
  ca: StoredResource | null,
): ReconcileResult<DeviceStatus> {
  if (caName !== undefined && ca === null)
    return {
      conditions: [
        ready(
          'False',
          DeviceReason.CertificateAuthorityNotFound,
          `CertificateAuthority "${caName}" does not exist`,
        ),
      ],
    };
  if (caName !== undefined && !isReady(ca))
    return {
      conditions: [
        ready(
          'False',
          DeviceReason.CertificateAuthorityNotReady,
          `CertificateAuthority "${caName}" is not Ready`,
        ),
      ],
    };
  return {
    conditions: [
      ready(
        'False',
        DeviceReason.AwaitingEnrollment,
        'the device has not enrolled yet (device enrollment is not built yet)',
      ),
    ],
  };
}

/** Observes its identity CA (null: none named, or missing). */
export const deviceController: Controller<DeviceSpec, DeviceStatus, StoredResource | null> = {
  kind: 'Device',
  references: [{ path: CA_REF, kind: 'CertificateAuthority' }],
  async observe(device, { read }) {
    const caName = device.spec.identity?.caRef.name;
    return caName === undefined ? null : read.get('CertificateAuthority', caName);
  },
  plan: (device, ca) => decideDevice(device.spec.identity?.caRef.name, ca),
};
