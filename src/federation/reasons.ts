/**
 * Why a CI job's OIDC token was refused: one reason per check, in the order the checks run
 * (docs/federation.md). The reasons are part of the API: clients and the journal match on them,
 * so they never change meaning. Messages say which check failed and what was wanted and got, and
 * never echo the token or a signature.
 */
export const TOKEN_REASONS = {
  /** Not a compact JWS of three base64url parts, or its header or payload is not a JSON object. */
  malformed: 'MalformedToken',
  /** `alg` is not on the allowlist: `none`, every HMAC algorithm, anything unknown. */
  algorithmNotAllowed: 'AlgorithmNotAllowed',
  /** No `kid`, or the issuer's key set holds no key with that id for that algorithm. */
  unknownKey: 'UnknownKey',
  /** The key found for `kid` cannot verify this algorithm (an RSA key named by an ES256 token). */
  keyUnusable: 'KeyUnusable',
  /** The signature does not verify: a tampered header or payload, or another key signed it. */
  badSignature: 'BadSignature',
  /** `iss` differs from the issuer trusted (compared exactly). */
  issuerMismatch: 'IssuerMismatch',
  /** `aud` is absent or is not the expected audience. */
  audienceMismatch: 'AudienceMismatch',
  /** `aud` names several audiences: a token meant for several services is refused outright. */
  multipleAudiences: 'MultipleAudiences',
  /** A claim every token must carry (`exp`, `iat`, `jti`) is absent or of the wrong type. */
  missingClaim: 'MissingClaim',
  /** `exp` is past, beyond the leeway. */
  expired: 'Expired',
  /** `nbf` is ahead, beyond the leeway. */
  notYetValid: 'NotYetValid',
  /** `iat` is ahead, beyond the leeway: the issuer's clock or the token is wrong. */
  issuedInFuture: 'IssuedInFuture',
  /** This `jti` was presented before and the token could still be valid. */
  replayed: 'Replayed',
  /** The replay guard could not answer (full, or its store failed): refused rather than unchecked. */
  replayCheckUnavailable: 'ReplayCheckUnavailable',
  /** `event_name` is `pull_request_target` and the caller did not opt in. */
  eventNotAllowed: 'EventNotAllowed',
} as const;

export type TokenReason = (typeof TOKEN_REASONS)[keyof typeof TOKEN_REASONS];

/** The check a refusal came from, in the order they run. */
export type TokenCheck = 'format' | 'signature' | 'issuer' | 'audience' | 'lifetime' | 'replay' | 'event';
