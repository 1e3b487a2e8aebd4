/** A CA's certificate and private key, checked once and kept ready for signing. */
import { createPublicKey, KeyObject } from 'node:crypto';
import { InvalidError } from '../errors.js';
import { type CertificateFacts, readCertificate } from './certificate-reader.js';
import { importPrivateKey, type Signer, signerFor } from './key-algorithms.js';
import { keyIdentifierOfSpki } from './public-key.js';

export interface CaCredentials {
  certificate: CertificateFacts;
  signer: Signer;
  /** The CA's subjectKeyIdentifier (computed from its key when the certificate lacks one). */
  keyIdentifier: Buffer;
}

/**
 * Loads a CA for signing certificates and CRLs. Pure apart from parsing.
 * @param certificate the CA certificate, DER or PEM.
 * @param privateKey a KeyObject, or PKCS#8 DER/PEM (already decrypted with the master key).
 * @throws InvalidError when the certificate is not a CA (basicConstraints cA), lacks keyCertSign,
 *   or the private key does not belong to the certificate.
 */
export function loadCaCredentials(
  certificate: Uint8Array | string,
  privateKey: KeyObject | Uint8Array | string,
): CaCredentials {
  const facts = readCertificate(certificate);
  const key = privateKey instanceof KeyObject ? privateKey : importPrivateKey(privateKey);
  if (key.type !== 'private') {
    throw new InvalidError(
      'cannot sign with this CA: a public key was given where its private key is needed',
    );
  }
  const problems: string[] = [];
  if (!facts.isCa) problems.push('the certificate is not a CA certificate (basicConstraints cA is not TRUE)');
  if (facts.keyUsage && !facts.keyUsage.has('keyCertSign'))
    problems.push('the certificate lacks the keyCertSign key usage');
  const publicOfPrivate = createPublicKey(key).export({ type: 'spki', format: 'der' });
  if (!publicOfPrivate.equals(facts.spki))
    problems.push('the private key does not belong to the certificate');
  if (problems.length > 0) {
    throw new InvalidError(`cannot sign with this CA: ${problems.join('; ')}`, {
      problems: problems.map((message) => ({ pointer: '', message })),
    });
  }
  return {
    certificate: facts,
    signer: signerFor(key),
    keyIdentifier: facts.subjectKeyIdentifier ?? keyIdentifierOfSpki(facts.spki),
  };
}
