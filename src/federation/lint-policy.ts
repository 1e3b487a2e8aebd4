import { type ClaimRules, constrainedRules } from './claim-rules.js';

/** Warning codes of a TrustPolicy's lint, stable: `status.warnings[].code` and docs name them. */
export const LINT_CODES = {
  /** One non-empty rule: anything else about the job (workflow, branch, environment) goes. */
  singleConstraint: 'SingleConstraint',
  /** Neither `repository_owner` nor `repository_owner_id`. */
  noOwnerPin: 'NoOwnerPin',
  /** `repository_owner` without `repository_owner_id`: a deleted owner's name can be registered again. */
  ownerPinnedByNameOnly: 'OwnerPinnedByNameOnly',
  /** `ref` without `job_workflow_ref`: any workflow on that branch, including one added by a PR. */
  refWithoutWorkflow: 'RefWithoutWorkflow',
  /** A permission other than `:read` without an `environment` rule (no approval gate). */
  writeWithoutEnvironment: 'WriteWithoutEnvironment',
  /** A wildcard permission, or writes on every area. */
  wideWrite: 'WideWrite',
} as const;

export type LintCode = (typeof LINT_CODES)[keyof typeof LINT_CODES];

export interface LintWarning {
  code: LintCode;
  message: string;
}

export interface LintOptions {
  /**
   * Every area's write permission (`PermissionCatalogue.kindWrite`); a policy holding all of them
   * is as wide as `*:write`. Omitted: only wildcards are reported as wide.
   */
  allWrites?: readonly string[];
}

/**
 * Warnings about weak claim rules or broad permissions. A policy with warnings is still usable:
 * lint advises, validation refuses. Pure; warnings in the order of LINT_CODES.
 */
export function lintPolicy(
  rules: ClaimRules,
  permissions: readonly string[],
  options: LintOptions = {},
): LintWarning[] {
  const warnings: LintWarning[] = [];
  const warn = (code: keyof typeof LINT_CODES, message: string) =>
    warnings.push({ code: LINT_CODES[code], message });
  const pinned = constrainedRules(rules);
  const has = (rule: keyof ClaimRules) => pinned.includes(rule);

  if (pinned.length === 1) {
    warn(
      'singleConstraint',
      `only ${pinned[0]} is constrained: every workflow, branch and environment of the match may exchange tokens`,
    );
  }
  if (!has('repository_owner') && !has('repository_owner_id')) {
    warn(
      'noOwnerPin',
      'no repository_owner or repository_owner_id: pin the owner, by id, so only its repositories match',
    );
  } else if (!has('repository_owner_id')) {
    warn(
      'ownerPinnedByNameOnly',
      `repository_owner ${rules.repository_owner} is pinned by name only: add repository_owner_id, ` +
        "as a deleted or renamed owner's name can be registered by someone else",
    );
  }
  if (has('ref') && !has('job_workflow_ref')) {
    warn(
      'refWithoutWorkflow',
      `ref ${rules.ref} without job_workflow_ref: any workflow on that ref matches, ` +
        'pin the workflow file too',
    );
  }
  const writes = permissions.filter((permission) => !permission.endsWith(':read'));
  if (writes.length > 0 && !has('environment')) {
    warn(
      'writeWithoutEnvironment',
      `${writes.join(', ')} without an environment rule: pin a deployment environment ` +
        'so that its protection rules gate the job',
    );
  }
  const wildcards = permissions.filter((permission) => permission.includes('*'));
  const allWrites = options.allWrites ?? [];
  if (wildcards.length > 0) {
    warn('wideWrite', `wildcard permission ${wildcards.join(', ')}: list the permissions the job needs`);
  } else if (allWrites.length > 0 && allWrites.every((permission) => permissions.includes(permission))) {
    warn('wideWrite', `write on every area (${allWrites.length} permissions): list the ones the job needs`);
  }
  return warnings;
}
