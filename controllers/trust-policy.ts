/**
 * TrustPolicy. Today: reports that its issuer has not been verified, because JWKS discovery and
 * caching (and so token exchange) are not built yet. Never Ready yet.
 */
import type { Controller, ReconcileResult } from '../src/engine/controller.js';
import { ready } from '../src/engine/controller.js';
import type { TrustPolicySpec, TrustPolicyStatus } from '../src/kinds/generated/v1/trustpolicy.js';

export const TrustPolicyReason = {
  /** The issuer's JWKS has not been discovered (discovery is not built yet). */
  IssuerNotVerified: 'IssuerNotVerified',
} as const;

export const DEFAULT_ISSUER = 'https://token.actions.githubusercontent.com';

/** Pure. */
export function decideTrustPolicy(issuer: string): ReconcileResult<TrustPolicyStatus> {
  return {
    conditions: [
      ready(
        'False',
        TrustPolicyReason.IssuerNotVerified,
        `the JWKS of ${issuer} has not been discovered (issuer discovery is not built yet)`,
      ),
    ],
  };
}

export const trustPolicyController: Controller<TrustPolicySpec, TrustPolicyStatus> = {
  kind: 'TrustPolicy',
  async observe() {},
  plan: (policy) => decideTrustPolicy(policy.spec.issuer ?? DEFAULT_ISSUER),
};
