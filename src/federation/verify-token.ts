import { type CryptoKey, compactVerify, decodeProtectedHeader, errors, type JWK, type KeyObject } from 'jose';
import { ALLOWED_ALGORITHMS, type AllowedAlgorithm, isAllowedAlgorithm } from './algorithms.js';
import { audienceProblem, lifetimeProblem, parsePayload, replayProblem, show } from './jwt-claims.js';
import { TOKEN_REASONS, type TokenCheck, type TokenReason } from './reasons.js';
import type { ReplayGuard } from './replay-guard.js';

/** A public key the issuer's key set holds. Never raw bytes: those would be an HMAC secret. */
export type VerificationKey = CryptoKey | KeyObject | JWK;

/**
 * Finds the issuer's key with this `kid` usable for `alg`, or undefined when the key set has none.
 * Supplied by the caller, which owns the JWKS cache (and its refresh on an unknown `kid`).
 * A rejection (issuer unreachable) propagates out of verifyOidcToken: it is not the token's fault.
 */
export type KeyLookup = (kid: string, alg: AllowedAlgorithm) => Promise<VerificationKey | undefined>;

export interface TokenExpectations {
  /** The trusted issuer; `iss` must equal it exactly. */
  issuer: string;
  /** The one audience the token must carry, e.g. `<tenant>.<STEWARD_PUBLIC_HOST>`. */
  audience: string;
  keyFor: KeyLookup;
  replayGuard: ReplayGuard;
  /** Tolerance for `exp`, `nbf` and `iat`, in seconds (default 30). */
  leewaySeconds?: number;
  /** Accept `event_name: pull_request_target` (default false). */
  allowPullRequestTarget?: boolean;
  /** Epoch milliseconds (default Date.now). */
  now?: () => number;
}

/** The payload of a verified token. GitHub's claims are strings; others are passed through. */
export type OidcClaims = Readonly<Record<string, unknown>>;

export type TokenVerdict =
  | { ok: true; claims: OidcClaims; kid: string; alg: AllowedAlgorithm }
  | { ok: false; reason: TokenReason; check: TokenCheck; message: string };

export const DEFAULT_LEEWAY_SECONDS = 30;
/** Longer tokens are refused before any parsing (GitHub's are about 1 KiB). */
export const MAX_TOKEN_LENGTH = 16 * 1024;

/**
 * Verifies a CI job's OIDC token, checks in this order, stopping at the first failure: format;
 * signature (algorithm allowlist, key by `kid`, signature); `iss`; `aud`; `exp`/`nbf`/`iat` with
 * leeway; `jti` not replayed (recorded until `exp` + leeway); `event_name` not
 * `pull_request_target` unless allowed. Claim rules of policies are checked afterwards, by
 * choosePolicy.
 *
 * Not pure: it asks the replay guard to remember the `jti` (a guard may record it then, or, as the
 * exchanges' does, only look and leave the claim to the mint). Never throws for a bad token;
 * rejects only when `keyFor` rejects.
 */
export async function verifyOidcToken(token: string, expect: TokenExpectations): Promise<TokenVerdict> {
  const leeway = expect.leewaySeconds ?? DEFAULT_LEEWAY_SECONDS;
  const nowSeconds = (expect.now ?? Date.now)() / 1000;

  if (token.length > MAX_TOKEN_LENGTH) {
    return refuse('malformed', 'format', `token is ${token.length} characters, over ${MAX_TOKEN_LENGTH}`);
  }
  if (token.split('.').length !== 3) {
    return refuse('malformed', 'format', 'token is not a compact JWS (want three dot-separated parts)');
  }
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(token) as Record<string, unknown>;
  } catch {
    return refuse('malformed', 'format', 'token header is not base64url-encoded JSON');
  }

  const { alg, kid } = header;
  if (!isAllowedAlgorithm(alg)) {
    return refuse(
      'algorithmNotAllowed',
      'signature',
      `signature: algorithm ${show(alg)} is not allowed; want one of ${ALLOWED_ALGORITHMS.join(', ')}`,
    );
  }
  if (typeof kid !== 'string' || kid === '') {
    return refuse(
      'unknownKey',
      'signature',
      'signature: token header has no kid; want the id of an issuer key',
    );
  }
  const key = await expect.keyFor(kid, alg);
  if (key === undefined) {
    return refuse('unknownKey', 'signature', `signature: the issuer has no ${alg} key with kid ${show(kid)}`);
  }

  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(token, key, { algorithms: [alg] }));
  } catch (error) {
    if (error instanceof errors.JWSSignatureVerificationFailed) {
      return refuse('badSignature', 'signature', `signature: does not verify with ${alg} key ${show(kid)}`);
    }
    if (error instanceof errors.JWSInvalid || error instanceof errors.JOSENotSupported) {
      return refuse('malformed', 'format', `token is not a JWS this server accepts: ${error.message}`);
    }
    return refuse('keyUnusable', 'signature', `signature: key ${show(kid)} cannot verify ${alg}`);
  }
  const claims = parsePayload(payload);
  if (claims === undefined) return refuse('malformed', 'format', 'token payload is not a JSON object');

  if (claims.iss !== expect.issuer) {
    return refuse('issuerMismatch', 'issuer', `issuer: want ${show(expect.issuer)}, got ${show(claims.iss)}`);
  }

  const problem = audienceProblem(claims.aud, expect.audience) ?? lifetimeProblem(claims, nowSeconds, leeway);
  if (problem) return refuse(problem.reason, problem.check, problem.message);
  const exp = claims.exp as number;

  const replay = await replayProblem(
    claims.jti,
    expect.replayGuard,
    (jti) => jti,
    (exp + leeway) * 1000,
    'was already exchanged',
  );
  if (replay) return refuse(replay.reason, replay.check, replay.message);

  if (claims.event_name === 'pull_request_target' && expect.allowPullRequestTarget !== true) {
    return refuse(
      'eventNotAllowed',
      'event',
      'event: event_name pull_request_target is refused (it runs for pull requests from forks with the ' +
        "base repository's privileges); a policy must opt in",
    );
  }
  return { ok: true, claims, kid, alg };
}

function refuse(
  reason: keyof typeof TOKEN_REASONS,
  check: TokenCheck,
  message: string,
): Extract<TokenVerdict, { ok: false }> {
  return { ok: false, reason: TOKEN_REASONS[reason], check, message };
}

/** Messages show claim values this way (re-exported for the exchanges). */
export { show };
