/**
 * PKCS#10 certificate signing requests (RFC 2986): parsed and their proof of possession checked.
 * Only the public key is taken from a CSR; subject, names and usages are the issuer's decision.
 */
import { createPublicKey, verify } from 'node:crypto';
import { InvalidError } from '../errors.js';
import { contentBytes, elementBytes, readChildren, readOid, readSingle } from './der-reader.js';
import { derFromPemOrDer } from './pem.js';
import { checkPublicKey } from './public-key.js';

export interface VerifiedCsr {
  /** Canonical DER SubjectPublicKeyInfo of the requester's key. */
  spki: Buffer;
  /** The CSR's own subject Name (DER), for information only. */
  subjectName: Buffer;
}

// Signature algorithms accepted on CSRs, by OID: the digest node's verify needs (null = pure EdDSA).
const CSR_SIGNATURE_HASHES: Record<string, string | null> = {
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.3.101.112': null,
};

/**
 * Parses a CSR (PEM `CERTIFICATE REQUEST` or DER) and verifies its self-signature with its own
 * public key. Pure.
 * @throws InvalidError when the CSR is malformed, uses an unsupported signature algorithm or key
 *   (SHA-1, RSA-PSS, RSA under 2048 bits, other curves), or its signature does not verify.
 */
export function verifyCsr(input: Uint8Array | string): VerifiedCsr {
  const der = derFromPemOrDer(input, ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']);
  const what = 'certificate signing request';
  const [info, signatureAlgorithm, signature] = readChildren(der, readSingle(der, 0x30, what), what);
  if (signature?.tag !== 0x03) throw invalid('malformed certificate signing request: missing signature');
  const [, subject, spkiElement] = readChildren(der, info, what);
  if (!spkiElement) throw invalid('malformed certificate signing request: missing public key');
  const { spki } = checkPublicKey(elementBytes(der, spkiElement));
  const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });

  const algorithmOid = readOid(der, readChildren(der, signatureAlgorithm, what)[0]);
  if (!(algorithmOid in CSR_SIGNATURE_HASHES)) {
    throw invalid(
      `unsupported CSR signature algorithm ${algorithmOid} (use ECDSA, Ed25519 or RSA PKCS#1 v1.5 with SHA-2)`,
    );
  }
  const signatureBytes = contentBytes(der, signature).subarray(1);
  let valid = false;
  try {
    // The signature covers certificationRequestInfo exactly as sent, so the original bytes are verified.
    valid = verify(
      CSR_SIGNATURE_HASHES[algorithmOid],
      elementBytes(der, info),
      { key, dsaEncoding: 'der' },
      signatureBytes,
    );
  } catch {
    valid = false; // a key that does not match the signature algorithm, e.g. an RSA signature on an EC key
  }
  if (!valid)
    throw invalid('the certificate signing request signature does not verify with its own public key');
  return { spki, subjectName: Buffer.from(elementBytes(der, subject)) };
}

function invalid(message: string): InvalidError {
  return new InvalidError(message, { problems: [{ pointer: '/csr', message }] });
}
