import { describe, expect, it } from 'vitest';
import type { ClaimRules } from '../../src/federation/claim-rules.js';
import { LINT_CODES, lintPolicy } from '../../src/federation/lint-policy.js';

const strict: ClaimRules = {
  repository_owner: 'acme',
  repository_owner_id: '123456',
  repository: 'acme/infra',
  job_workflow_ref: 'acme/infra/.github/workflows/deploy.yml@refs/heads/main',
  ref: 'refs/heads/main',
  environment: 'production',
};
const allWrites = ['devices:write', 'rollouts:write', 'artifacts:write'];

describe('lintPolicy', () => {
  const cases: {
    name: string;
    rules: ClaimRules;
    permissions: string[];
    codes: string[];
    message?: RegExp;
  }[] = [
    {
      name: 'a policy pinned by owner id, workflow and environment has no warning',
      rules: strict,
      permissions: ['artifacts:write', 'rollouts:write'],
      codes: [],
    },
    {
      name: 'a single constraint is warned about, with the missing owner id',
      rules: { repository_owner: 'acme' },
      permissions: ['devices:read'],
      codes: [LINT_CODES.singleConstraint, LINT_CODES.ownerPinnedByNameOnly],
      message: /only repository_owner is constrained/,
    },
    {
      name: 'a repository without an owner pin is warned about',
      rules: { repository: 'acme/infra', ref: 'refs/heads/main', job_workflow_ref: strict.job_workflow_ref },
      permissions: ['devices:read'],
      codes: [LINT_CODES.noOwnerPin],
      message: /pin the owner, by id/,
    },
    {
      name: 'an owner pinned by name but not id is warned about',
      rules: { ...strict, repository_owner_id: '' },
      permissions: ['devices:read'],
      codes: [LINT_CODES.ownerPinnedByNameOnly],
      message: /repository_owner acme is pinned by name only/,
    },
    {
      name: 'ref without job_workflow_ref is warned about',
      rules: { ...strict, job_workflow_ref: '' },
      permissions: ['devices:read'],
      codes: [LINT_CODES.refWithoutWorkflow],
      message: /ref refs\/heads\/main without job_workflow_ref/,
    },
    {
      name: 'write permissions without environment are warned about, naming them',
      rules: { ...strict, environment: undefined },
      permissions: ['devices:read', 'rollouts:write', 'rollouts:approve'],
      codes: [LINT_CODES.writeWithoutEnvironment],
      message: /^rollouts:write, rollouts:approve without an environment rule/,
    },
    {
      name: 'read-only permissions need no environment',
      rules: { ...strict, environment: '' },
      permissions: ['devices:read', 'journal:read'],
      codes: [],
    },
    {
      name: 'writes on every area are as wide as *:write',
      rules: strict,
      permissions: [...allWrites, 'devices:read'],
      codes: [LINT_CODES.wideWrite],
      message: /write on every area \(3 permissions\)/,
    },
    {
      name: 'a wildcard permission is wide',
      rules: strict,
      permissions: ['*:write'],
      codes: [LINT_CODES.wideWrite],
      message: /wildcard permission \*:write/,
    },
  ];

  it.each(cases)('$name', ({ rules, permissions, codes, message }) => {
    const warnings = lintPolicy(rules, permissions, { allWrites });
    expect(warnings.map((warning) => warning.code)).toEqual(codes);
    if (message) expect(warnings.map((warning) => warning.message).join('\n')).toMatch(message);
  });

  it('without the catalogue, only wildcards are wide', () => {
    expect(lintPolicy(strict, allWrites)).toEqual([]);
  });

  it('reports several weaknesses at once, in code order', () => {
    const warnings = lintPolicy({ repository: 'acme/infra', ref: '' }, ['devices:write', '*']);
    expect(warnings.map((warning) => warning.code)).toEqual([
      LINT_CODES.singleConstraint,
      LINT_CODES.noOwnerPin,
      LINT_CODES.writeWithoutEnvironment,
      LINT_CODES.wideWrite,
    ]);
  });
});
