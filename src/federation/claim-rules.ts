import type { OidcClaims } from './verify-token.js';

/** The claims a TrustPolicy can pin, in the order rules are reported. */
export const RULE_NAMES = [
  'repository_owner',
  'repository_owner_id',
  'repository',
  'repository_id',
  'job_workflow_ref',
  'ref',
  'environment',
  'event_name',
] as const;

export type RuleName = (typeof RULE_NAMES)[number];

/** A policy's claim rules: a rule absent or empty is a wildcard. */
export type ClaimRules = Partial<Record<RuleName, string>>;

/**
 * GitHub treats owner and repository names case-insensitively (a token for `Acme/Infra` comes from
 * the repository `acme/infra`); ids, refs, workflow refs, environments and events are compared
 * exactly. `job_workflow_ref` names the workflow that defined the job, which for a reusable
 * workflow is the called one, so a rule naming it matches the job that calls it.
 */
const CASE_INSENSITIVE: ReadonlySet<RuleName> = new Set(['repository_owner', 'repository']);

export type RuleOutcome =
  | { rule: RuleName; matched: true; want: string }
  | { rule: RuleName; matched: false; want: string; got: string | undefined };

export type RuleMismatch = Extract<RuleOutcome, { matched: false }>;

export interface PolicyMatch {
  matched: boolean;
  /** One outcome per non-empty rule, in RULE_NAMES order. */
  rules: RuleOutcome[];
  mismatches: RuleMismatch[];
  /** The rules left empty, which match anything. */
  wildcards: RuleName[];
}

/** The non-empty rules of a policy, in RULE_NAMES order. Pure. */
export function constrainedRules(rules: ClaimRules): RuleName[] {
  return RULE_NAMES.filter((rule) => (rules[rule] ?? '') !== '');
}

/**
 * Checks every non-empty rule against the token's claims. Pure. A claim that is a number or a
 * boolean is compared as its string (`123456` equals the rule `"123456"`); an absent claim, or one
 * of another type, never equals a rule.
 */
export function matchPolicy(rules: ClaimRules, claims: OidcClaims): PolicyMatch {
  const outcomes: RuleOutcome[] = [];
  const wildcards: RuleName[] = [];
  for (const rule of RULE_NAMES) {
    const want = rules[rule] ?? '';
    if (want === '') {
      wildcards.push(rule);
      continue;
    }
    const got = claimText(claims[rule]);
    outcomes.push(
      got !== undefined && equal(rule, want, got)
        ? { rule, matched: true, want }
        : { rule, matched: false, want, got },
    );
  }
  const mismatches = outcomes.filter((outcome): outcome is RuleMismatch => !outcome.matched);
  return { matched: mismatches.length === 0, rules: outcomes, mismatches, wildcards };
}

/** `repository: want acme/infra, got acme/infra-fork`; "(absent)" for a missing claim. Pure. */
export function describeMismatch(mismatch: RuleMismatch): string {
  return `${mismatch.rule}: want ${mismatch.want}, got ${mismatch.got ?? '(absent)'}`;
}

function equal(rule: RuleName, want: string, got: string): boolean {
  return CASE_INSENSITIVE.has(rule) ? want.toLowerCase() === got.toLowerCase() : want === got;
}

function claimText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}
