/**
 * Device: reports what the device API established — approval, enrollment, the identity
 * certificate, attestation, presence, what it runs — as status and the conditions `Ready`,
 * `Enrolled`, `CertificateValid` and `Attested`; revokes certificates of a CA the device no longer
 * names; and, through its finalizer, revokes every certificate of a deleted device (republishing
 * the CRLs) before the Device goes.
 *
 * `assurance` is `high` only when the recorded attestation was verified by Steward
 * (src/devices/attestation.ts); nothing a user writes can set it.
 */

import { systemContext } from '../src/context.js';
import { renewAfter } from '../src/devices/device-identity.js';
import type { DeviceLifecycle, DeviceObservation } from '../src/devices/device-lifecycle.js';
import type { AttestationOutcome } from '../src/devices/device-records.js';
import type { ConditionInput, Controller, Plan } from '../src/engine/controller.js';
import { isReady, ready } from '../src/engine/controller.js';
import { controllerActor } from '../src/engine/reconciler.js';
import type { DeviceSpec, DeviceStatus } from '../src/kinds/generated/v1/device.js';
import type { StoredResource } from '../src/resources/model.js';

export const DEVICE_FINALIZER = 'steward.dev/device';

export const DeviceReason = {
  CertificateAuthorityNotFound: 'CertificateAuthorityNotFound',
  CertificateAuthorityNotReady: 'CertificateAuthorityNotReady',
  /** No identity certificate yet: the device has not enrolled (or must enroll again). */
  AwaitingEnrollment: 'AwaitingEnrollment',
  /** Enrolled with a token that asks for manual approval: `steward device approve NAME`. */
  PendingApproval: 'PendingApproval',
  Enrolled: 'Enrolled',
  CertificateIssued: 'CertificateIssued',
  CertificateExpired: 'CertificateExpired',
  /** The device holds a valid identity certificate and is approved. */
  DeviceReady: 'DeviceReady',
  Verified: 'Verified',
  NotAttested: 'NotAttested',
} as const;

const CA_REF = ['spec', 'identity', 'caRef', 'name'] as const;

export interface DeviceObserved extends DeviceObservation {
  ca: StoredResource | null;
}

export type DeviceAction = { type: 'revokeOtherIssuers'; issuers: string[] };

/** The decision, from the Device and what was observed of it. Pure. */
export function decideDevice(
  device: StoredResource<DeviceSpec, DeviceStatus>,
  observed: DeviceObserved,
  now: Date,
): Plan<DeviceStatus, DeviceAction> {
  const caName = device.spec.identity?.caRef.name;
  if (caName !== undefined && observed.otherIssuers.length > 0)
    return { act: { type: 'revokeOtherIssuers', issuers: observed.otherIssuers } };
  const { record, certificate } = observed;
  const approved = record?.approval !== 'pending';
  const attestation = record?.attestation as AttestationOutcome | null | undefined;
  const attested = attestation?.attested === true;
  const status: DeviceStatus = {
    approved,
    assurance: attested ? 'high' : 'normal',
    ...(record?.last_seen ? { lastSeen: record.last_seen } : {}),
    ...(record?.installed_artifact && record.installed_version
      ? { installed: { artifact: record.installed_artifact, version: record.installed_version } }
      : {}),
    ...(attestation
      ? {
          attestation: {
            attested: attestation.attested,
            format: attestation.format,
            ...(attestation.authority ? { authority: attestation.authority } : {}),
            reason: attestation.reason,
            message: attestation.message,
            at: attestation.at,
          },
        }
      : {}),
  };
  const attestedCondition: ConditionInput = attestation
    ? {
        type: 'Attested',
        status: attested ? 'True' : 'False',
        reason: attestation.reason,
        message: attestation.message,
      }
    : {
        type: 'Attested',
        status: 'False',
        reason: DeviceReason.NotAttested,
        message: 'no attestation has been received: assurance is normal',
      };

  const conditions: ConditionInput[] = [attestedCondition];
  const enrolled = record?.enrolled_at != null || certificate !== null;
  conditions.push(
    enrolled
      ? { type: 'Enrolled', status: 'True', reason: DeviceReason.Enrolled, message: enrolledMessage(record) }
      : {
          type: 'Enrolled',
          status: 'False',
          reason: DeviceReason.AwaitingEnrollment,
          message: 'the device has not enrolled: give it an enrollment token (steward enroll-tokens create)',
        },
  );

  let requeueAfter: number | undefined;
  let certificateValid = false;
  if (certificate) {
    const notAfter = new Date(certificate.notAfter);
    const renewAt = renewAfter(new Date(certificate.notBefore), notAfter);
    status.certificate = {
      serial: certificate.serial,
      issuer: certificate.caName,
      notAfter: certificate.notAfter,
      renewAfter: renewAt.toISOString(),
    };
    certificateValid = notAfter.getTime() > now.getTime();
    conditions.push(
      certificateValid
        ? {
            type: 'CertificateValid',
            status: 'True',
            reason: DeviceReason.CertificateIssued,
            message: `certificate ${certificate.serial} from ${certificate.caName} is valid until ${certificate.notAfter}; the device is told to renew after ${renewAt.toISOString()}`,
          }
        : {
            type: 'CertificateValid',
            status: 'False',
            reason: DeviceReason.CertificateExpired,
            message: `certificate ${certificate.serial} expired at ${certificate.notAfter}: the device must enroll again`,
          },
    );
    if (certificateValid) requeueAfter = notAfter.getTime() - now.getTime() + 1_000;
  } else {
    conditions.push({
      type: 'CertificateValid',
      status: 'False',
      reason: DeviceReason.AwaitingEnrollment,
      message: 'the device holds no identity certificate',
    });
  }

  const readiness = readyCondition(caName, observed.ca, approved, certificateValid);
  conditions.push(readiness);
  return { status, conditions, ...(requeueAfter !== undefined ? { requeueAfter } : {}) };
}

function readyCondition(
  caName: string | undefined,
  ca: StoredResource | null,
  approved: boolean,
  certificateValid: boolean,
): ConditionInput {
  if (caName !== undefined && ca === null)
    return ready(
      'False',
      DeviceReason.CertificateAuthorityNotFound,
      `CertificateAuthority "${caName}" does not exist`,
    );
  if (!approved)
    return ready(
      'False',
      DeviceReason.PendingApproval,
      'the device enrolled with a token that needs manual approval: steward device approve NAME',
    );
  if (caName !== undefined && !isReady(ca) && !certificateValid)
    return ready(
      'False',
      DeviceReason.CertificateAuthorityNotReady,
      `CertificateAuthority "${caName}" is not Ready`,
    );
  if (!certificateValid)
    return ready(
      'False',
      DeviceReason.AwaitingEnrollment,
      'the device holds no valid identity certificate: it must enroll (steward enroll-tokens create)',
    );
  return ready('True', DeviceReason.DeviceReady, 'approved and holding a valid identity certificate');
}

function enrolledMessage(record: DeviceObservation['record']): string {
  if (!record?.enrolled_at) return 'holds an identity certificate';
  return `enrolled at ${record.enrolled_at}${record.enroll_token ? ` with enrollment token ${record.enroll_token}` : ''}`;
}

/** The controller, bound to the device lifecycle. */
export function createDeviceController(
  lifecycle: DeviceLifecycle,
): Controller<DeviceSpec, DeviceStatus, DeviceObserved, DeviceAction> {
  const contextFor = (device: StoredResource<unknown, object>, what: string) =>
    systemContext(device.tenant, controllerActor('Device'), `${what}-${device.uid}`);
  return {
    kind: 'Device',
    references: [{ path: CA_REF, kind: 'CertificateAuthority' }],
    finalizer: DEVICE_FINALIZER,
    async observe(device, { read }) {
      const caName = device.spec.identity?.caRef.name;
      const [ca, observation] = await Promise.all([
        caName === undefined ? null : read.get('CertificateAuthority', caName),
        lifecycle.observe(device.tenant, device.name, caName),
      ]);
      return { ca, ...observation };
    },
    plan: (device, observed, now) => decideDevice(device, observed, now),
    async act(device, action) {
      await lifecycle.revokeFrom(contextFor(device, 'reconcile'), device.name, action.issuers);
    },
    async finalize(device) {
      await lifecycle.cleanUp(contextFor(device, 'finalize'), device.name);
      return { done: true };
    },
  };
}
