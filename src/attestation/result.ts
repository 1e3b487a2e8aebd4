/**
 * The result shape of every attestation check: a value, or the one check that failed. Failures are
 * expected input (a device sent the wrong thing), so they are values, never exceptions.
 */

/**
 * Why an attestation was refused:
 * - `Chain`: a certificate does not chain to the AttestationAuthority's anchors;
 * - `IdentifierMismatch`: the attested identifier (EK digest, serial, UDID, key) is not the device's;
 * - `Activation`: the secret the device returned is not the one encrypted to its EK;
 * - `Nonce`: the quote or attestation is not bound to this attestation's nonce;
 * - `Signature`: a signature does not verify with the attested key;
 * - `Malformed`: bytes that do not parse, or a key that is not what the protocol requires;
 * - `Expired`: a certificate outside its validity period at the time of the check.
 */
export type AttestationFailureReason =
  | 'Chain'
  | 'IdentifierMismatch'
  | 'Activation'
  | 'Nonce'
  | 'Signature'
  | 'Malformed'
  | 'Expired';

export type AttestationCheck<T> =
  | { ok: true; value: T }
  | { ok: false; reason: AttestationFailureReason; message: string };

/** A successful check. Pure. */
export function passed<T>(value: T): AttestationCheck<T> {
  return { ok: true, value };
}

/** A failed check. Pure. */
export function failed<T = never>(reason: AttestationFailureReason, message: string): AttestationCheck<T> {
  return { ok: false, reason, message };
}

/**
 * Thrown only inside this folder by the parsers, and turned into a `Malformed` result at the
 * entry points: parsers stay linear, callers never see an exception.
 */
export class MalformedInput extends Error {
  override readonly name = 'MalformedInput';
}
