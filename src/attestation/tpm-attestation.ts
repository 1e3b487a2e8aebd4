/**
 * The two steps of a TPM attestation as the device API runs them:
 *
 * 1. `beginTpmAttestation`: the device sends its EK certificate and its AK's public area. Steward
 *    checks the EK certificate chains to the AttestationAuthority's anchors, that the EK is the
 *    device's (identifier), that the AK is a restricted signing key, and encrypts a fresh secret
 *    to the EK for that AK (MakeCredential). The caller stores `secret` and `akPublic` with the
 *    challenge and sends `credentialBlob` and `encryptedSecret` with a nonce.
 * 2. `verifyTpmAttestation`: the device returns the secret (TPM2_ActivateCredential, which only
 *    its TPM can do, and only with that AK loaded) and a quote by the AK whose qualifying data is
 *    SHA-256(nonce ‖ identity SPKI). Steward compares the secret, verifies the quote's signature
 *    with the AK and its qualifying data.
 *
 * Both are synchronous and return values; they never throw for bad input.
 */
import { createHash, type KeyObject, randomBytes, timingSafeEqual } from 'node:crypto';
import { verifyChain } from './certificate-chain.js';
import { certificatesFromPem } from './certificate-chain.js';
import { assertEkKeyType, ekIdentifier, parseEkPublicKey } from './ek-identifier.js';
import { type AttestationCheck, failed, MalformedInput, passed } from './result.js';
import { makeCredential } from './tpm-credential.js';
import { assertAttestationKeyAttributes, parseTpm2bPublic, type TpmPublicArea } from './tpm-public.js';
import { parseQuoteAttest, parseTpmSignature, verifyTpmSignature } from './tpm-quote.js';

export type { AttestationCheck, AttestationFailureReason } from './result.js';

/** Bytes of the credential secret: the SHA-256 digest size, the most a TPM2B_DIGEST of the EK's nameAlg holds. */
export const CREDENTIAL_SECRET_BYTES = 32;

/** What the first step hands back: the challenge for the device and what the server keeps. */
export interface TpmActivationChallenge {
  /** TPM2B_ID_OBJECT, for TPM2_ActivateCredential. */
  credentialBlob: Buffer;
  /** TPM2B_ENCRYPTED_SECRET, for TPM2_ActivateCredential. */
  encryptedSecret: Buffer;
  /** The secret the device must return; keep it server-side only. */
  secret: Buffer;
  /** The AK's TPM Name (nameAlg ‖ SHA-256(TPMT_PUBLIC)). */
  akName: Buffer;
}

/**
 * The qualifying data the device's quote must carry: SHA-256(nonce ‖ identitySpkiDer), binding the
 * quote to this attestation (nonce) and to the identity key the device will hold its certificate
 * for. Pure.
 */
export function quoteQualifyingData(nonce: Uint8Array, identitySpkiDer: Uint8Array): Buffer {
  return createHash('sha256').update(nonce).update(identitySpkiDer).digest();
}

/**
 * Step 1. Checks, in this order: EK certificate parses (`Malformed`) and is within its validity
 * (`Expired`), chains to `anchorsPem` through `intermediatesPem` (`Chain`), its key is the
 * device's `expectedIdentifier` (`IdentifierMismatch`), the AK public area parses and is a
 * restricted signing key of a TPM (`Malformed`). Then makes the credential. Not pure: draws the
 * secret. An empty `ekCertificateDer` means the device sent none: refused (`Chain`) unless
 * `allowEkPublicKeyWithoutCertificate` is set, in which case `ekPublicKeyDer` (SPKI) is used as is.
 */
export function beginTpmAttestation(input: {
  ekCertificateDer: Uint8Array;
  akPublic: Uint8Array;
  anchorsPem: readonly string[];
  expectedIdentifier: string;
  now: Date;
  /** Intermediate CA certificates (PEM) between the EK certificate and the anchors. */
  intermediatesPem?: readonly string[];
  /** The AttestationAuthority's `allowEkPublicKeyWithoutCertificate`; default false. */
  allowEkPublicKeyWithoutCertificate?: boolean;
  /** The EK public key (DER SPKI), used only when there is no EK certificate and that is allowed. */
  ekPublicKeyDer?: Uint8Array;
}): AttestationCheck<TpmActivationChallenge> {
  const ek = endorsementKey(input);
  if (!ek.ok) return ek;
  const identifier = ekIdentifier(ek.value);
  if (identifier !== input.expectedIdentifier) {
    return failed(
      'IdentifierMismatch',
      `the EK's identifier ${identifier} is not the device's permanent identifier ${input.expectedIdentifier}`,
    );
  }
  const ak = attestationKey(input.akPublic);
  if (!ak.ok) return ak;
  const secret = randomBytes(CREDENTIAL_SECRET_BYTES);
  const credential = makeCredential(ek.value, ak.value.name, secret);
  return passed({ ...credential, secret, akName: ak.value.name });
}

/**
 * Step 2. Checks, in this order: the AK public area (`Malformed`, as in step 1; pass the one stored
 * with the challenge), the activated secret equals the expected one in constant time
 * (`Activation`), the quote and signature parse (`Malformed`), the signature verifies with the AK
 * (`Signature`), the quote's qualifying data is `quoteQualifyingData(nonce, identitySpkiDer)`
 * (`Nonce`). Pure.
 */
export function verifyTpmAttestation(input: {
  expectedSecret: Buffer;
  activatedSecret: Uint8Array;
  akPublic: Uint8Array;
  nonce: Uint8Array;
  identitySpkiDer: Uint8Array;
  quote: Uint8Array;
  signature: Uint8Array;
}): AttestationCheck<{ akName: Buffer }> {
  const ak = attestationKey(input.akPublic);
  if (!ak.ok) return ak;
  const activated = Buffer.from(input.activatedSecret);
  if (activated.length !== input.expectedSecret.length || !timingSafeEqual(activated, input.expectedSecret))
    return failed('Activation', 'the activated secret is not the secret encrypted to the EK for this AK');
  let parsed: {
    attest: ReturnType<typeof parseQuoteAttest>;
    signature: ReturnType<typeof parseTpmSignature>;
  };
  try {
    parsed = { attest: parseQuoteAttest(input.quote), signature: parseTpmSignature(input.signature) };
  } catch (error) {
    return malformed(error);
  }
  if (!verifyTpmSignature(ak.value, input.quote, parsed.signature))
    return failed('Signature', "the quote's signature does not verify with the AK of this attestation");
  const expected = quoteQualifyingData(input.nonce, input.identitySpkiDer);
  const extraData = parsed.attest.extraData;
  if (extraData.length !== expected.length || !timingSafeEqual(extraData, expected))
    return failed('Nonce', "the quote's qualifying data does not match the nonce of this attestation");
  return passed({ akName: ak.value.name });
}

function endorsementKey(input: Parameters<typeof beginTpmAttestation>[0]): AttestationCheck<KeyObject> {
  if (input.ekCertificateDer.length === 0) {
    if (!input.allowEkPublicKeyWithoutCertificate)
      return failed(
        'Chain',
        'an EK certificate is required: this AttestationAuthority does not allow an EK public key without one',
      );
    if (!input.ekPublicKeyDer || input.ekPublicKeyDer.length === 0)
      return failed('Malformed', 'neither an EK certificate nor an EK public key was sent');
    try {
      return passed(parseEkPublicKey(input.ekPublicKeyDer));
    } catch (error) {
      return malformed(error);
    }
  }
  const chain = verifyChain({
    leafDer: input.ekCertificateDer,
    intermediatesDer: (input.intermediatesPem ?? []).flatMap(certificatesFromPem),
    anchorsPem: input.anchorsPem,
    now: input.now,
    what: 'EK certificate',
  });
  if (!chain.ok) return chain;
  try {
    const key = chain.value.leaf.publicKey;
    assertEkKeyType(key);
    return passed(key);
  } catch (error) {
    return malformed(error);
  }
}

function attestationKey(akPublic: Uint8Array): AttestationCheck<TpmPublicArea> {
  try {
    const area = parseTpm2bPublic(akPublic);
    assertAttestationKeyAttributes(area);
    return passed(area);
  } catch (error) {
    return malformed(error);
  }
}

/** Only MalformedInput is expected here; anything else is a bug and keeps propagating. */
function malformed(error: unknown): AttestationCheck<never> {
  if (error instanceof MalformedInput) return failed('Malformed', error.message);
  throw error;
}
