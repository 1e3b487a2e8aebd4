import type { ClaimRules } from './claim-rules.js';
import {
  constrainedRules,
  describeMismatch,
  matchPolicy,
  type PolicyMatch,
  type RuleMismatch,
} from './claim-rules.js';
import type { OidcClaims } from './verify-token.js';

/** What choosing needs of a TrustPolicy: its name, its claim rules and its opt-ins. */
export interface CandidatePolicy {
  name: string;
  rules: ClaimRules;
  /** Whether jobs of `pull_request_target` events may use this policy (default false). */
  allowPullRequestTarget?: boolean;
}

/**
 * The order policies are tried in: the most specific first, that is more non-empty rules first,
 * then by name (code-point order) so that equally specific policies are tried in a stable order
 * whatever order the store returned them in. The first policy whose rules all match is chosen, so
 * a policy pinned to `environment: production` wins over a broader one for the same repository.
 * Pure; returns a new array.
 */
export function orderPolicies<P extends CandidatePolicy>(policies: readonly P[]): P[] {
  return [...policies].sort(
    (a, b) =>
      constrainedRules(b.rules).length - constrainedRules(a.rules).length ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}

/**
 * Matches one policy: its rules, and the `pull_request_target` opt-in, which is reported as an
 * `event_name` mismatch when the token comes from that event and the policy does not opt in.
 * Pure.
 */
export function matchCandidate(policy: CandidatePolicy, claims: OidcClaims): PolicyMatch {
  const match = matchPolicy(policy.rules, claims);
  if (claims.event_name !== 'pull_request_target' || policy.allowPullRequestTarget === true) return match;
  const optIn: RuleMismatch = {
    rule: 'event_name',
    matched: false,
    want: 'any event but pull_request_target (the policy does not opt in)',
    got: 'pull_request_target',
  };
  const mismatches = [...match.mismatches, optIn];
  return { matched: false, rules: [...match.rules, optIn], mismatches, wildcards: match.wildcards };
}

export type PolicyChoice<P extends CandidatePolicy> =
  | { chosen: P; match: PolicyMatch }
  | { chosen: undefined; closest?: { policy: P; mismatches: RuleMismatch[] } };

/**
 * Picks the first policy, in orderPolicies order, whose rules all match the claims. When none
 * does, names the closest: the fewest mismatching rules, ties broken by the same order; no closest
 * when there are no policies. Pure.
 */
export function choosePolicy<P extends CandidatePolicy>(
  policies: readonly P[],
  claims: OidcClaims,
): PolicyChoice<P> {
  let closest: { policy: P; mismatches: RuleMismatch[] } | undefined;
  for (const policy of orderPolicies(policies)) {
    const match = matchCandidate(policy, claims);
    if (match.matched) return { chosen: policy, match };
    if (closest === undefined || match.mismatches.length < closest.mismatches.length) {
      closest = { policy, mismatches: match.mismatches };
    }
  }
  return closest === undefined ? { chosen: undefined } : { chosen: undefined, closest };
}

/**
 * The refusal for a choice that picked nothing: `no trust policy matches; closest "deploy":
 * repository: want acme/infra, got acme/infra-fork`. Pure.
 */
export function describeNoMatch(choice: PolicyChoice<CandidatePolicy>): string {
  if (choice.chosen !== undefined) return `trust policy ${JSON.stringify(choice.chosen.name)} matches`;
  if (choice.closest === undefined)
    return 'no trust policy matches: the tenant has no policy for this issuer';
  const differences = choice.closest.mismatches.map(describeMismatch).join('; ');
  return `no trust policy matches; closest ${JSON.stringify(choice.closest.policy.name)}: ${differences}`;
}

export interface PolicyExplanation extends PolicyMatch {
  name: string;
  /** Position in the order policies are tried, from 1. */
  position: number;
  /** Each mismatch as `rule: want X, got Y`. */
  differences: string[];
}

export interface Explanation {
  /** The policy an exchange would pick, if any. */
  picked?: string;
  /** When none is picked, the closest policy. */
  closest?: string;
  /** Every policy, in the order an exchange tries them. */
  policies: PolicyExplanation[];
  /** One line: which policy is picked, or the closest and what differed. */
  summary: string;
}

/**
 * For every policy, which rules matched, which did not and which were wildcards, and which policy
 * an exchange would pick. Checks claims only: the token checks (signature, audience, lifetime,
 * replay) are verifyOidcToken's. Pure.
 */
export function explain(policies: readonly CandidatePolicy[], claims: OidcClaims): Explanation {
  const explained = orderPolicies(policies).map((policy, index) => {
    const match = matchCandidate(policy, claims);
    return {
      name: policy.name,
      position: index + 1,
      ...match,
      differences: match.mismatches.map(describeMismatch),
    };
  });
  const choice = choosePolicy(policies, claims);
  if (choice.chosen !== undefined) {
    return {
      picked: choice.chosen.name,
      policies: explained,
      summary: `an exchange would pick trust policy ${JSON.stringify(choice.chosen.name)}`,
    };
  }
  return {
    ...(choice.closest ? { closest: choice.closest.policy.name } : {}),
    policies: explained,
    summary: describeNoMatch(choice),
  };
}
