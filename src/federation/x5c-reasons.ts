/**
 * Why an x5c client-certificate token was refused: one reason per check, in the order the checks
 * run (docs/federation.md, "x5c tokens"). Like TOKEN_REASONS these are API: they never change
 * meaning. Messages name the check and what was wanted and got, and never echo the token or a
 * signature. Reasons shared with OIDC tokens carry the same strings.
 */
export const X5C_REASONS = {
  /** Not a compact JWS of three base64url parts, over 16 KiB, or its header or payload is not a JSON object. */
  malformed: 'MalformedToken',
  /** The header has no `x5c`, or it is not an array of 1 to 5 strings. */
  missingCertificateChain: 'MissingCertificateChain',
  /** An `x5c` entry is not standard base64 of a DER X.509 certificate. */
  malformedCertificate: 'MalformedCertificate',
  /** `alg` is not on the allowlist: `none`, every HMAC algorithm, anything unknown. */
  algorithmNotAllowed: 'AlgorithmNotAllowed',
  /** The leaf certificate's key cannot verify this algorithm (an RSA key named by an ES256 token). */
  keyUnusable: 'KeyUnusable',
  /** The signature does not verify with the leaf certificate's key: tampered, or another key signed. */
  badSignature: 'BadSignature',
  /** The `x5c` chain does not lead, certificate by certificate, to one of the trust anchors. */
  untrustedChain: 'UntrustedChain',
  /** A certificate of the chain (leaf, intermediate or anchor) is past its notAfter. */
  certificateExpired: 'CertificateExpired',
  /** A certificate of the chain is before its notBefore. */
  certificateNotYetValid: 'CertificateNotYetValid',
  /** The leaf is a CA, or its keyUsage lacks digitalSignature, or its extendedKeyUsage lacks clientAuth. */
  certificateNotForClientAuth: 'CertificateNotForClientAuth',
  /** `isRevoked` answered true for the leaf or an intermediate. */
  certificateRevoked: 'CertificateRevoked',
  /** `isRevoked` rejected or gave no boolean: refused rather than unchecked (fail closed). */
  revocationCheckUnavailable: 'RevocationCheckUnavailable',
  /** `aud` names several audiences. */
  multipleAudiences: 'MultipleAudiences',
  /** `aud` is absent or is not the expected audience. */
  audienceMismatch: 'AudienceMismatch',
  /** `exp`, `iat` or `jti` is absent or of the wrong type (or `nbf` is of the wrong type). */
  missingClaim: 'MissingClaim',
  /** `exp` is past, beyond the leeway. */
  expired: 'Expired',
  /** `nbf` is ahead, beyond the leeway. */
  notYetValid: 'NotYetValid',
  /** `iat` is ahead, beyond the leeway. */
  issuedInFuture: 'IssuedInFuture',
  /** `exp - iat` is over X5C_MAX_LIFETIME_SECONDS: these tokens are minted per request. */
  lifetimeTooLong: 'LifetimeTooLong',
  /** `sub` is present and differs from the leaf certificate's common name. */
  subjectMismatch: 'SubjectMismatch',
  /** This `jti` was presented before with the same certificate, and the token could still be valid. */
  replayed: 'Replayed',
  /** The replay guard could not answer: refused rather than unchecked. */
  replayCheckUnavailable: 'ReplayCheckUnavailable',
} as const;

export type X5cReason = (typeof X5C_REASONS)[keyof typeof X5C_REASONS];

/** The check a refusal came from, in the order they run. */
export type X5cCheck =
  | 'format'
  | 'certificates'
  | 'signature'
  | 'chain'
  | 'validity'
  | 'usage'
  | 'revocation'
  | 'audience'
  | 'lifetime'
  | 'subject'
  | 'replay';
