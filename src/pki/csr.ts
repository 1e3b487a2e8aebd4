/**
 * PKCS#10 certificate signing requests (RFC 2986): parsed strictly by @peculiar/asn1-csr and their
 * proof of possession checked. Only the public key is taken from a CSR; subject, names and usages
 * are the issuer's decision.
 */
import { createPublicKey, verify } from 'node:crypto';
import { CertificationRequest } from '@peculiar/asn1-csr';
import { AsnConvert } from '@peculiar/asn1-schema';
import { InvalidError } from '../errors.js';
import { derFromPemOrDer } from './pem.js';
import { checkPublicKey } from './public-key.js';
import { parseStrictDer } from './strict-der.js';

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
 * Parses a CSR (PEM `CERTIFICATE REQUEST` or DER, strict DER) and verifies its self-signature
 * with its own public key. Pure.
 * @throws InvalidError when the CSR is malformed or not DER, uses an unsupported signature
 *   algorithm or key (SHA-1, RSA-PSS, RSA under 2048 bits, other curves), or its signature does
 *   not verify.
 */
export function verifyCsr(input: Uint8Array | string): VerifiedCsr {
  const der = derFromPemOrDer(input, ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']);
  const csr = parseStrictDer(der, CertificationRequest, 'certificate signing request', '/csr');
  const info = csr.certificationRequestInfo;
  if (info.version !== 0) throw invalid(`unsupported certificate signing request version ${info.version}`);
  const { spki } = checkPublicKey(Buffer.from(AsnConvert.serialize(info.subjectPKInfo)));
  const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  const algorithmOid = csr.signatureAlgorithm.algorithm;
  if (!(algorithmOid in CSR_SIGNATURE_HASHES)) {
    throw invalid(
      `unsupported CSR signature algorithm ${algorithmOid} (use ECDSA, Ed25519 or RSA PKCS#1 v1.5 with SHA-2)`,
    );
  }
  // Strict DER: the info re-encoded is byte for byte what was signed.
  const signed = Buffer.from(AsnConvert.serialize(info));
  let valid = false;
  try {
    valid = verify(
      CSR_SIGNATURE_HASHES[algorithmOid],
      signed,
      { key, dsaEncoding: 'der' },
      Buffer.from(csr.signature),
    );
  } catch {
    valid = false; // a key that does not match the signature algorithm, e.g. an RSA signature on an EC key
  }
  if (!valid)
    throw invalid('the certificate signing request signature does not verify with its own public key');
  return { spki, subjectName: Buffer.from(AsnConvert.serialize(info.subject)) };
}

function invalid(message: string): InvalidError {
  return new InvalidError(message, { problems: [{ pointer: '/csr', message }] });
}
