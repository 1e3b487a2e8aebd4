/**
 * Device. Today: checks its identity CA reference and reports why it is not Ready. Enrollment,
 * identity certificates, renewal, revocation on delete (a finalizer) and attestation come with
 * the device API; until then no device is Ready.
 */
import type { Controller, ReconcileResult } from '../src/engine/controller.js';
import { isReady, ready } from '../src/engine/controller.js';
import type { StoredResource } from '../src/resources/model.js';

export const DeviceReason = {
  CertificateAuthorityNotFound: 'CertificateAuthorityNotFound',
  CertificateAuthorityNotReady: 'CertificateAuthorityNotReady',
  /** The device has not enrolled (enrollment through the device API is not built yet). */
  AwaitingEnrollment: 'AwaitingEnrollment',
} as const;

const CA_REF = ['spec', 'identity', 'caRef', 'name'] as const;

/** The decision, from the CA reference and the CA as stored (null: missing). Pure. */
export function decideDevice(caName: string | undefined, ca: StoredResource | null): ReconcileResult {
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

export const deviceController: Controller = {
  kind: 'Device',
  references: [{ path: CA_REF, kind: 'CertificateAuthority' }],
  async reconcile(device, { read }) {
    const identity = device.spec.identity as { caRef?: { name?: string } } | undefined;
    const caName = identity?.caRef?.name;
    const ca = caName === undefined ? null : await read.get('CertificateAuthority', caName);
    return decideDevice(caName, ca);
  },
};
