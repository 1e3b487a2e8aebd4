/**
 * The CertificateAuthority reconciler's decision, as one pure function: given the spec, a summary of
 * the CA material already stored, the parent's state and the time, say what to do next. The
 * reconciler gathers the inputs, calls planCertificateAuthority, and acts.
 */
import { TerminalError } from '../errors.js';
import { requireDuration } from '../resources/duration.js';
import { allowedPathLen } from './ca-certificate.js';
import { DEFAULT_KEY_ALGORITHM, type KeyAlgorithm } from './key-algorithms.js';
import { type NameConstraintsSpec, sameNameConstraints } from './name-constraints.js';
import { type SubjectSpec, sameSubject } from './subject.js';

/** Validity when the spec gives none: ten years for roots, five for intermediates. */
export const DEFAULT_CA_VALIDITY = { root: '87600h', intermediate: '43800h' } as const;

/** The parts of a CertificateAuthority spec the plan reads. */
export interface CaPlanSpec {
  type: 'root' | 'intermediate';
  /** Name of the parent CA (intermediates only). */
  parentRef?: string;
  subject: SubjectSpec;
  keyAlgorithm?: KeyAlgorithm;
  /** Duration text (`87600h`); default DEFAULT_CA_VALIDITY[type]. */
  validity?: string;
  /** Renew this long before notAfter; default one third of the certificate's lifetime. */
  renewBefore?: string;
  maxPathLen?: number;
  /** `spec.rotateKeyOnRenewal`: false (default) re-certifies the existing key on renewal, true makes a new one. */
  rotateKeyOnRenewal?: boolean;
  /** Written into the certificate (RFC 5280 name constraints). */
  nameConstraints?: NameConstraintsSpec;
}

/** What the spec looked like when the current certificate was made; the reconciler records it. */
export interface CaCertificateMadeFor {
  subject: SubjectSpec;
  keyAlgorithm: KeyAlgorithm;
  validity: string;
  maxPathLen?: number;
  parentRef?: string;
  nameConstraints?: NameConstraintsSpec;
}

/** The stored CA material, summarised. */
export interface CaMaterialSummary {
  /** Absent = no private key stored yet. */
  key?: { algorithm: KeyAlgorithm };
  /** Absent = no certificate yet. */
  certificate?: {
    notBefore: Date;
    notAfter: Date;
    madeFor: CaCertificateMadeFor;
    /** The certificate's authorityKeyIdentifier (hex), to notice that the parent was re-keyed. */
    authorityKeyId?: string;
  };
}

export interface ParentCaState {
  ready: boolean;
  notAfter?: Date;
  /** The parent certificate's pathLenConstraint; undefined = unlimited. */
  pathLen?: number;
  /** The parent certificate's subjectKeyIdentifier (hex). */
  subjectKeyId?: string;
}

/** Reasons of CaPlan results (PascalCase, usable as condition reasons). */
export const CaPlanReason = {
  /** No private key yet: generate one and issue the first certificate. */
  KeyMissing: 'KeyMissing',
  /** A key exists but no certificate (e.g. a crash between the two writes). */
  CertificateMissing: 'CertificateMissing',
  /** The intermediate needs its parent to sign, and the parent is missing or not Ready. */
  ParentNotReady: 'ParentNotReady',
  /** Renewal is due but the parent expires no later than the current certificate: renewing now would gain nothing. */
  ParentExpiresFirst: 'ParentExpiresFirst',
  KeyAlgorithmChanged: 'KeyAlgorithmChanged',
  SubjectChanged: 'SubjectChanged',
  ValidityChanged: 'ValidityChanged',
  PathLenChanged: 'PathLenChanged',
  NameConstraintsChanged: 'NameConstraintsChanged',
  /** type or parentRef changed: another issuer. */
  ParentChanged: 'ParentChanged',
  /** The parent has a new key; the current certificate no longer chains to it. */
  ParentKeyChanged: 'ParentKeyChanged',
  RenewalDue: 'RenewalDue',
  Expired: 'Expired',
  UpToDate: 'UpToDate',
} as const;
type Reason = (typeof CaPlanReason)[keyof typeof CaPlanReason];

export type CaPlan =
  | { action: 'generateKeyAndCertificate'; reason: typeof CaPlanReason.KeyMissing; message: string }
  | {
      action: 'waitForParent';
      reason: typeof CaPlanReason.ParentNotReady | typeof CaPlanReason.ParentExpiresFirst;
      /** What the CA would do with a Ready parent: a CA waiting only to renew still has a good certificate. */
      pending: 'generateKeyAndCertificate' | 'renew' | 'reissue';
      message: string;
    }
  /** Same subject and settings, new validity window; a new key only when rotateKeyOnRenewal is set. */
  | {
      action: 'renew';
      reason: typeof CaPlanReason.RenewalDue | typeof CaPlanReason.Expired;
      newKey: boolean;
      message: string;
    }
  /** A new certificate because the spec (or the parent's key) changed; newKey when the algorithm changed. */
  | { action: 'reissue'; reason: Reason; newKey: boolean; message: string }
  /** Nothing to do; requeue after requeueAfterMs, when renewal becomes due. */
  | {
      action: 'upToDate';
      reason: typeof CaPlanReason.UpToDate;
      renewAt: Date;
      requeueAfterMs: number;
      message: string;
    };

/**
 * Decides the next step for one CertificateAuthority. Pure: time comes in as `now`.
 * The parent is consulted only when something must be signed, so an intermediate whose parent is
 * briefly not Ready stays up to date as long as its own certificate is good.
 * @throws InvalidError for an unparsable duration; TerminalError PathLengthExceeded when the parent's
 *   pathLen forbids this CA (or its maxPathLen) and something must be signed.
 */
export function planCertificateAuthority(
  spec: CaPlanSpec,
  material: CaMaterialSummary,
  parent: ParentCaState | undefined,
  now: Date,
): CaPlan {
  let decision = decideWithoutParent(spec, material, now);
  if (spec.type !== 'intermediate') return decision;
  if (decision.action === 'upToDate' && parentKeyChanged(material, parent)) {
    decision = reissue(CaPlanReason.ParentKeyChanged, false, `parent CA ${spec.parentRef} has a new key`);
  }
  if (decision.action === 'upToDate') return decision;
  if (!parent?.ready) {
    return {
      action: 'waitForParent',
      reason: CaPlanReason.ParentNotReady,
      pending: decision.action,
      message: `parent CA ${spec.parentRef ?? '(none)'} is not Ready`,
    };
  }
  allowedPathLen(parent.pathLen, spec.maxPathLen);
  const current = material.certificate;
  if (
    decision.action === 'renew' &&
    current &&
    parent.notAfter &&
    parent.notAfter.getTime() <= current.notAfter.getTime()
  ) {
    return {
      action: 'waitForParent',
      reason: CaPlanReason.ParentExpiresFirst,
      pending: 'renew',
      message: `renewal is due but parent CA ${spec.parentRef} expires at ${parent.notAfter.toISOString()}, no later than this certificate; waiting for the parent to renew`,
    };
  }
  return decision;
}

/** The CA validities the schema allows (x-durationRange in certificateauthority.json). */
export const MIN_CA_VALIDITY_MS = 3_600_000;
export const MAX_CA_VALIDITY_MS = 876_000 * 3_600_000;

function decideWithoutParent(
  spec: CaPlanSpec,
  material: CaMaterialSummary,
  now: Date,
): Exclude<CaPlan, { action: 'waitForParent' }> {
  const keyAlgorithm = spec.keyAlgorithm ?? DEFAULT_KEY_ALGORITHM;
  const validity = spec.validity ?? DEFAULT_CA_VALIDITY[spec.type];
  const validityMs = requireDuration(validity);
  // The schema refuses these at apply; a spec stored before that rule must not retry forever.
  if (validityMs < MIN_CA_VALIDITY_MS || validityMs > MAX_CA_VALIDITY_MS)
    throw new TerminalError(
      'ValidityOutOfRange',
      `validity ${validity} is outside 1h to 876000h (100 years): the certificate cannot be made; change spec.validity`,
    );
  if (!material.key)
    return {
      action: 'generateKeyAndCertificate',
      reason: CaPlanReason.KeyMissing,
      message: 'no private key yet',
    };
  if (material.key.algorithm !== keyAlgorithm) {
    return reissue(
      CaPlanReason.KeyAlgorithmChanged,
      true,
      `key algorithm changed from ${material.key.algorithm} to ${keyAlgorithm}`,
    );
  }
  const current = material.certificate;
  if (!current)
    return reissue(CaPlanReason.CertificateMissing, false, 'a private key exists but no certificate');
  const madeFor = current.madeFor;
  if (!sameSubject(madeFor.subject, spec.subject))
    return reissue(CaPlanReason.SubjectChanged, false, 'the subject changed');
  if (requireDuration(madeFor.validity) !== validityMs) {
    return reissue(
      CaPlanReason.ValidityChanged,
      false,
      `validity changed from ${madeFor.validity} to ${validity}`,
    );
  }
  if (madeFor.maxPathLen !== spec.maxPathLen) {
    return reissue(
      CaPlanReason.PathLenChanged,
      false,
      `maxPathLen changed from ${madeFor.maxPathLen ?? 'unlimited'} to ${spec.maxPathLen ?? 'unlimited'}`,
    );
  }
  if (!sameNameConstraints(madeFor.nameConstraints, spec.nameConstraints)) {
    return reissue(CaPlanReason.NameConstraintsChanged, false, 'the name constraints changed');
  }
  if ((madeFor.parentRef ?? undefined) !== (spec.type === 'intermediate' ? spec.parentRef : undefined)) {
    return reissue(CaPlanReason.ParentChanged, false, 'the CA type or parent changed');
  }
  const newKey = spec.rotateKeyOnRenewal === true;
  if (now.getTime() >= current.notAfter.getTime()) {
    return {
      action: 'renew',
      reason: CaPlanReason.Expired,
      newKey,
      message: `the certificate expired at ${current.notAfter.toISOString()}`,
    };
  }
  const renewAt = renewalTime(current.notBefore, current.notAfter, spec.renewBefore);
  if (now.getTime() >= renewAt.getTime()) {
    return {
      action: 'renew',
      reason: CaPlanReason.RenewalDue,
      newKey,
      message: `renewal was due at ${renewAt.toISOString()}`,
    };
  }
  return {
    action: 'upToDate',
    reason: CaPlanReason.UpToDate,
    renewAt,
    requeueAfterMs: renewAt.getTime() - now.getTime(),
    message: `certificate valid until ${current.notAfter.toISOString()}, renewal at ${renewAt.toISOString()}`,
  };
}

/**
 * When to renew: notAfter − renewBefore. As in cert-manager, a renewBefore that is missing or not
 * shorter than the certificate's actual lifetime (which clipping to a parent may have shortened)
 * becomes one third of that lifetime, so renewal never loops on a certificate born already due.
 * Pure. @throws InvalidError for an unparsable renewBefore.
 */
export function renewalTime(notBefore: Date, notAfter: Date, renewBefore?: string): Date {
  const lifetimeMs = notAfter.getTime() - notBefore.getTime();
  const requested = renewBefore === undefined ? undefined : requireDuration(renewBefore);
  const renewBeforeMs =
    requested !== undefined && requested < lifetimeMs ? requested : Math.floor(lifetimeMs / 3);
  return new Date(notAfter.getTime() - renewBeforeMs);
}

/** True when the current certificate was signed by a key the parent no longer has. Pure. */
function parentKeyChanged(material: CaMaterialSummary, parent: ParentCaState | undefined): boolean {
  const authorityKeyId = material.certificate?.authorityKeyId;
  return (
    !!authorityKeyId &&
    !!parent?.subjectKeyId &&
    authorityKeyId.toLowerCase() !== parent.subjectKeyId.toLowerCase()
  );
}

function reissue(reason: Reason, newKey: boolean, message: string): Extract<CaPlan, { action: 'reissue' }> {
  return { action: 'reissue', reason, newKey, message };
}
