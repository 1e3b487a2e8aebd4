/**
 * The federation's answers shared by the server and the CLI (docs/federation.md): a short-lived
 * token as listed, and the explanation of which TrustPolicy a token or claim set would be
 * exchanged under. Dependency-free, like all of src/contract.
 */

/** How a short-lived token was minted: OIDC exchange, client-certificate exchange, or by a user. */
export type MintedTokenType = 'oidc' | 'x509' | 'personal';

/** A short-lived token as listed: never its secret (`token` only in the answer that creates it). */
export interface TokenView {
  id: string;
  type: MintedTokenType;
  /** A personal token's description, an exchanged token's TrustPolicy. */
  name: string;
  /** Who an exchanged token was minted for (the OIDC `sub`, the certificate subject). */
  subject: string | null;
  /** The owner of a personal token. */
  user: string | null;
  permissions: string[];
  createdAt: string;
  expiresAt: string;
}

/** One of the exchange's token checks, in order, as explain reports it. */
export interface TokenCheckOutcome {
  check: 'format' | 'signature' | 'issuer' | 'audience' | 'lifetime' | 'replay' | 'event';
  /** null: not checked (the issuer's keys could not be had). */
  ok: boolean | null;
  reason?: string;
  message?: string;
}

/** One policy's verdict on the claims. */
export interface PolicyVerdict {
  name: string;
  /** Position in the order an exchange tries policies, from 1. */
  position: number;
  ready: boolean;
  readyMessage?: string;
  issuer: string;
  /** False when the claims name another issuer than the policy trusts. */
  issuerMatches: boolean;
  /** The non-empty rules that matched. */
  matched: string[];
  mismatched: Array<{ rule: string; want: string; got: string | undefined }>;
  wildcards: string[];
  /** Each mismatch as `rule: want X, got Y`. */
  differences: string[];
}

/** The answer of `POST /api/v1/trustpolicies/explain`. */
export interface ExplainAnswer {
  tokenChecks?: TokenCheckOutcome[];
  claims: Readonly<Record<string, unknown>>;
  policies: PolicyVerdict[];
  /** The policy an exchange would pick: Ready, trusting the issuer, every rule matching. */
  chosen: string | null;
  message: string;
}
