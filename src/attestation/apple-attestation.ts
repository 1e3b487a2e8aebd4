/**
 * Apple Managed Device Attestation (the `apple` format of ACME device-attest-01): Apple's servers
 * certify a key in the device's Secure Enclave with a certificate whose extensions carry the
 * device's serial number, UDID and a freshness code (the nonce).
 */
import { createHash, createPublicKey, timingSafeEqual, X509Certificate } from 'node:crypto';
import { APPLE_ENTERPRISE_ATTESTATION_ROOT_PEM } from './apple-root.js';
import { verifyChain } from './certificate-chain.js';
import { extensionValues } from './certificate-extensions.js';
import { spkiDer } from './ek-identifier.js';
import { type AttestationCheck, failed, MalformedInput, passed } from './result.js';

/** Apple's extension OIDs in the attestation leaf (values are the raw bytes, not DER-wrapped). */
export const AppleOid = {
  serialNumber: '1.2.840.113635.100.8.9.1',
  udid: '1.2.840.113635.100.8.9.2',
  /** SHA-256 of the nonce the server handed out (the "freshness code"). */
  nonce: '1.2.840.113635.100.8.11.1',
} as const;

/** Apple chains are leaf and one intermediate; a little room, no more. */
export const MAX_APPLE_CHAIN = 5;

/**
 * Verifies an Apple attestation chain. Checks, in this order: 1 to 5 certificates (`Malformed`);
 * the leaf (first) chains through the others to `anchorsPem`, or to the embedded Apple Enterprise
 * Attestation Root when `anchorsPem` is empty (`Malformed`, `Expired`, `Chain`); the nonce
 * extension equals SHA-256(nonce) (`Nonce`); the serial number or the UDID equals
 * `expectedIdentifier` (`IdentifierMismatch`); when `identitySpkiDer` is given, the leaf's key is
 * that key (`IdentifierMismatch`). Pure.
 */
export function verifyAppleAttestation(input: {
  chainDer: Uint8Array[];
  anchorsPem: readonly string[];
  /** The authority's intermediates: they help build the path for a device that sends only its leaf. */
  intermediatesPem?: readonly string[];
  nonce: Uint8Array;
  expectedIdentifier: string;
  identitySpkiDer?: Uint8Array;
  now: Date;
}): AttestationCheck<{ serial?: string; udid?: string }> {
  const { chainDer } = input;
  if (chainDer.length === 0 || chainDer.length > MAX_APPLE_CHAIN)
    return failed(
      'Malformed',
      `an Apple attestation chain has 1 to ${MAX_APPLE_CHAIN} certificates, not ${chainDer.length}`,
    );
  const chain = verifyChain({
    leafDer: chainDer[0],
    intermediatesDer: [
      ...chainDer.slice(1),
      ...(input.intermediatesPem ?? []).map((pem) => new X509Certificate(pem).raw),
    ],
    anchorsPem: input.anchorsPem.length > 0 ? input.anchorsPem : [APPLE_ENTERPRISE_ATTESTATION_ROOT_PEM],
    now: input.now,
    what: 'Apple attestation certificate',
  });
  if (!chain.ok) return chain;

  let extensions: Map<string, Buffer>;
  try {
    extensions = extensionValues(chainDer[0]);
  } catch (error) {
    if (error instanceof MalformedInput) return failed('Malformed', error.message);
    throw error;
  }
  const freshness = extensions.get(AppleOid.nonce);
  const expectedFreshness = createHash('sha256').update(input.nonce).digest();
  if (!freshness)
    return failed('Nonce', `the Apple attestation certificate has no nonce extension (${AppleOid.nonce})`);
  if (freshness.length !== expectedFreshness.length || !timingSafeEqual(freshness, expectedFreshness))
    return failed(
      'Nonce',
      "the Apple attestation's nonce extension does not match the nonce of this attestation",
    );

  const serial = textExtension(extensions.get(AppleOid.serialNumber));
  const udid = textExtension(extensions.get(AppleOid.udid));
  if (serial !== input.expectedIdentifier && udid !== input.expectedIdentifier) {
    return failed(
      'IdentifierMismatch',
      `neither the attested serial number (${serial ?? 'absent'}) nor the UDID (${udid ?? 'absent'}) is the device's permanent identifier ${input.expectedIdentifier}`,
    );
  }
  if (
    input.identitySpkiDer &&
    !spkiDer(chain.value.leaf.publicKey).equals(canonicalSpki(input.identitySpkiDer))
  )
    return failed(
      'IdentifierMismatch',
      "the attested key is not the key of the device's identity certificate",
    );
  return passed({ ...(serial !== undefined && { serial }), ...(udid !== undefined && { udid }) });
}

/** An extension holding printable ASCII, as Apple encodes serial and UDID; undefined otherwise. */
function textExtension(value: Buffer | undefined): string | undefined {
  if (!value || value.length === 0 || value.length > 128) return undefined;
  const text = value.toString('latin1');
  return /^[\x20-\x7e]+$/.test(text) ? text : undefined;
}

/** The SPKI re-encoded by Node, so that equal keys compare equal whatever their encoding. */
function canonicalSpki(der: Uint8Array): Buffer {
  try {
    return spkiDer(createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' }));
  } catch {
    return Buffer.from(der);
  }
}
