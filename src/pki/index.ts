/**
 * Steward's PKI library: key pairs, CA certificates, fast leaf issuance, CRLs, the master key that
 * seals private keys at rest, and the CertificateAuthority reconciler's pure plan. No database, no
 * HTTP, no NestJS: callers store what these functions return. See docs/pki.md.
 */

export type { IntermediateCertificateRequest, RootCertificateRequest } from './ca-certificate.js';
export {
  allowedPathLen,
  CaCertificateReason,
  createIntermediateCertificate,
  createRootCertificate,
} from './ca-certificate.js';
export { type CaCredentials, loadCaCredentials } from './ca-credentials.js';
export {
  type CaCertificateMadeFor,
  type CaMaterialSummary,
  type CaPlan,
  CaPlanReason,
  type CaPlanSpec,
  DEFAULT_CA_VALIDITY,
  type ParentCaState,
  planCertificateAuthority,
  renewalTime,
} from './ca-plan.js';
export type { IssuedCertificate } from './certificate-assembly.js';
export { type CertificateFacts, readCertificate } from './certificate-reader.js';
export {
  buildCrl,
  type CrlRequest,
  crlToPem,
  isRevocationReason,
  REVOCATION_REASON_CODES,
  type RevocationReason,
  type RevokedCertificate,
  type SignedCrl,
} from './crl.js';
export { type VerifiedCsr, verifyCsr } from './csr.js';
export type { SubjectAltNames } from './extensions.js';
export {
  CERTIFICATE_PROFILES,
  type CertificateProfile,
  IssuerExpiredReason,
  LeafIssuer,
  type LeafIssuerOptions,
  type LeafRequest,
} from './issuer.js';
export {
  DEFAULT_KEY_ALGORITHM,
  exportPrivateKey,
  generateKeyPair,
  importPrivateKey,
  isKeyAlgorithm,
  KEY_ALGORITHMS,
  type KeyAlgorithm,
  type KeyPair,
  keyAlgorithmOf,
} from './key-algorithms.js';
export {
  type LoadedMasterKey,
  loadMasterKey,
  MASTER_KEY_ENV,
  MASTER_KEY_FILE,
  MasterKey,
  parseMasterKey,
  SecretDecryptionFailed,
} from './master-key.js';
export { derFromPemOrDer, toPem } from './pem.js';
export { type CheckedPublicKey, checkPublicKey, MIN_RSA_BITS } from './public-key.js';
export { encodeSubject, formatSubject, type SubjectSpec, sameSubject, subjectProblems } from './subject.js';
