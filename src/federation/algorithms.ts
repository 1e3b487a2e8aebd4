/**
 * The signature algorithms an OIDC token may use. Asymmetric only: `none` would need no key, and
 * an HMAC algorithm would take the issuer's *public* key as its secret, so anyone could sign
 * (the classic RS256→HS256 confusion). Anything not listed, including unknown names, is refused.
 */
export const ALLOWED_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;

export type AllowedAlgorithm = (typeof ALLOWED_ALGORITHMS)[number];

const allowed: ReadonlySet<string> = new Set(ALLOWED_ALGORITHMS);

/** True when `alg` is on the allowlist. Pure. */
export function isAllowedAlgorithm(alg: unknown): alg is AllowedAlgorithm {
  return typeof alg === 'string' && allowed.has(alg);
}
