/**
 * AttestationAuthority: trust anchors for device attestation (docs/attestation.md). The reconciler
 * only checks the anchors: Ready when every root (and intermediate) is one unexpired CA
 * certificate. Devices are verified against it by the device API (src/devices/attestation.ts).
 */
import { APPLE_ENTERPRISE_ATTESTATION_ROOT_PEM } from '../src/attestation/apple-root.js';
import { inspectCaCertificate } from '../src/attestation/anchors.js';
import type { Controller, ReconcileResult } from '../src/engine/controller.js';
import { ready } from '../src/engine/controller.js';
import type {
  AttestationAuthoritySpec,
  AttestationAuthorityStatus,
} from '../src/kinds/generated/v1/attestationauthority.js';

export const AttestationAuthorityReason = {
  /** Every anchor (and intermediate) is an unexpired CA certificate. */
  AnchorsValid: 'AnchorsValid',
  /** A root does not parse, is not a CA, or is outside its validity period; the message names its index. */
  AnchorInvalid: 'AnchorInvalid',
  /** An intermediate does not parse, is not a CA, or is outside its validity period. */
  IntermediateInvalid: 'IntermediateInvalid',
  /** A tpm authority without roots (the schema refuses it; kept for stored resources). */
  NoAnchors: 'NoAnchors',
} as const;

/** Re-check at least daily, and just after the first anchor expires. */
const RECHECK_MS = 24 * 60 * 60 * 1000;

/** The anchors in effect: the roots, or for `apple` without roots the built-in Apple root. Pure. */
export function anchorsInEffect(spec: AttestationAuthoritySpec): string[] {
  const roots = spec.roots ?? [];
  if (roots.length === 0 && spec.format === 'apple') return [APPLE_ENTERPRISE_ATTESTATION_ROOT_PEM];
  return [...roots];
}

/** Pure: the same spec and time give the same result. */
export function decideAttestationAuthority(
  spec: AttestationAuthoritySpec,
  now: Date,
): ReconcileResult<AttestationAuthorityStatus> {
  const anchors = anchorsInEffect(spec);
  if (anchors.length === 0)
    return {
      status: { anchorCount: 0, anchors: [] },
      conditions: [
        ready(
          'False',
          AttestationAuthorityReason.NoAnchors,
          `a ${spec.format} authority needs at least one root`,
        ),
      ],
    };
  const inspected = anchors.map((pem) => inspectCaCertificate(pem, now));
  const subjects = inspected.flatMap((inspection) => (inspection.ok ? [inspection.subject] : []));
  const status = { anchorCount: anchors.length, anchors: subjects };
  const anchorProblems = inspected.flatMap((inspection, index) =>
    inspection.ok ? [] : [`roots[${index}] ${inspection.problem}`],
  );
  if (anchorProblems.length > 0)
    return {
      status,
      conditions: [ready('False', AttestationAuthorityReason.AnchorInvalid, anchorProblems.join('; '))],
    };
  const intermediateProblems = (spec.intermediates ?? []).flatMap((pem, index) => {
    const inspection = inspectCaCertificate(pem, now);
    return inspection.ok ? [] : [`intermediates[${index}] ${inspection.problem}`];
  });
  if (intermediateProblems.length > 0)
    return {
      status,
      conditions: [
        ready('False', AttestationAuthorityReason.IntermediateInvalid, intermediateProblems.join('; ')),
      ],
    };
  const firstExpiry = Math.min(
    ...inspected.map((inspection) => (inspection.ok ? inspection.notAfter.getTime() : Infinity)),
  );
  const builtIn = spec.format === 'apple' && (spec.roots ?? []).length === 0 ? ' (built in)' : '';
  return {
    status,
    conditions: [
      ready(
        'True',
        AttestationAuthorityReason.AnchorsValid,
        `${anchors.length} ${anchors.length === 1 ? 'anchor' : 'anchors'} valid${builtIn}: ${subjects.join('; ')}`,
      ),
    ],
    requeueAfter: Math.max(1000, Math.min(RECHECK_MS, firstExpiry - now.getTime() + 1000)),
  };
}

export const attestationAuthorityController: Controller<
  AttestationAuthoritySpec,
  AttestationAuthorityStatus
> = {
  kind: 'AttestationAuthority',
  async observe() {},
  plan: (authority, _observation, now) => decideAttestationAuthority(authority.spec, now),
};
