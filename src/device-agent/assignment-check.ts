/**
 * What a device checks before it installs an assignment: that the tenant's update-signing key
 * `keyId` signed exactly this artifact (artifactSignaturePayload: name, version, digest, size,
 * platforms, url), and that the device's platform is among the signed platforms. Anything else is
 * refused and reported FAILED with the reason first in the message (`SignatureInvalid: ...`), and
 * nothing is downloaded or installed.
 */
import { type KeyObject, verify } from 'node:crypto';
import { artifactSignaturePayload } from '../contract/artifact-signature.js';

/** Why a device refuses an assignment: the first word of its FAILED report's message. */
export const REFUSAL = {
  /** The signature does not verify with the named key over the assignment's metadata. */
  SignatureInvalid: 'SignatureInvalid',
  /** The tenant has no signing key with the assignment's key id. */
  UnknownSigningKey: 'UnknownSigningKey',
  /** The device's platform is not among the artifact's signed platforms. */
  PlatformMismatch: 'PlatformMismatch',
} as const;

export type RefusalReason = (typeof REFUSAL)[keyof typeof REFUSAL];

export type AssignmentVerdict = { ok: true } | { ok: false; reason: RefusalReason; message: string };

/** The fields of a device API Assignment that the signature covers and names. */
export interface SignedAssignment {
  artifact: string;
  version: string;
  url: string;
  digest: string;
  size: bigint | number;
  signature: string;
  keyId: string;
  platforms: readonly string[];
}

/** `SignatureInvalid: ...`, as the FAILED report carries it. Pure. */
export function refusalMessage(verdict: AssignmentVerdict): string {
  return verdict.ok ? '' : `${verdict.reason}: ${verdict.message}`;
}

/**
 * Verifies an assignment with `publicKey` (the key of `assignment.keyId`, undefined when the
 * tenant has none) for a device of `platform`. The signature is checked first: the platforms are
 * only trusted once signed. Pure (deterministic; no I/O).
 */
export function checkAssignment(
  assignment: SignedAssignment,
  platform: string,
  publicKey: KeyObject | undefined,
): AssignmentVerdict {
  const what = `${assignment.artifact}@${assignment.version}`;
  if (!publicKey)
    return {
      ok: false,
      reason: REFUSAL.UnknownSigningKey,
      message: `${what} is signed by key "${assignment.keyId}", which is not among the tenant's signing keys`,
    };
  if (!signatureVerifies(assignment, publicKey))
    return {
      ok: false,
      reason: REFUSAL.SignatureInvalid,
      message: `the signature of ${what} by key "${assignment.keyId}" does not match its metadata`,
    };
  if (!assignment.platforms.includes(platform))
    return {
      ok: false,
      reason: REFUSAL.PlatformMismatch,
      message: `${what} is for ${assignment.platforms.join(', ') || 'no platform'}, not ${platform}`,
    };
  return { ok: true };
}

function signatureVerifies(assignment: SignedAssignment, publicKey: KeyObject): boolean {
  const size = Number(assignment.size);
  // A size that does not survive the trip through a double cannot be what was signed.
  if (!Number.isSafeInteger(size) || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(assignment.signature)) return false;
  const payload = artifactSignaturePayload({
    name: assignment.artifact,
    version: assignment.version,
    digest: assignment.digest,
    size,
    platforms: assignment.platforms,
    url: assignment.url,
  });
  try {
    return verify(null, Buffer.from(payload), publicKey, Buffer.from(assignment.signature, 'base64'));
  } catch {
    return false; // e.g. a signature of the wrong length
  }
}
