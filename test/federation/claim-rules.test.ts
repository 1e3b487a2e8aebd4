import { describe, expect, it } from 'vitest';
import { type ClaimRules, describeMismatch, matchPolicy } from '../../src/federation/claim-rules.js';
import { jobClaims } from './token-fixtures.js';

describe('matchPolicy', () => {
  const cases: { name: string; rules: ClaimRules; claims?: Record<string, unknown>; mismatches: string[] }[] =
    [
      {
        name: 'every rule equal to its claim matches',
        rules: {
          repository_owner: 'acme',
          repository_owner_id: '123456',
          repository: 'acme/infra',
          repository_id: '987654',
          job_workflow_ref: 'acme/infra/.github/workflows/deploy.yml@refs/heads/main',
          ref: 'refs/heads/main',
          environment: 'production',
          event_name: 'push',
        },
        mismatches: [],
      },
      {
        name: 'empty rules are wildcards',
        rules: { repository: 'acme/infra', ref: '', environment: '' },
        mismatches: [],
      },
      {
        name: 'owner and repository names match whatever their case',
        rules: { repository_owner: 'ACME', repository: 'Acme/Infra' },
        mismatches: [],
      },
      {
        name: 'another repository differs',
        rules: { repository: 'acme/infra' },
        claims: { repository: 'acme/infra-fork' },
        mismatches: ['repository: want acme/infra, got acme/infra-fork'],
      },
      {
        name: 'another owner differs',
        rules: { repository_owner: 'acme' },
        claims: { repository_owner: 'acme-evil' },
        mismatches: ['repository_owner: want acme, got acme-evil'],
      },
      {
        name: 'ids are compared exactly',
        rules: { repository_owner_id: '123456', repository_id: '987654' },
        claims: { repository_owner_id: '1234567', repository_id: '98765' },
        mismatches: [
          'repository_owner_id: want 123456, got 1234567',
          'repository_id: want 987654, got 98765',
        ],
      },
      {
        name: 'a numeric id claim equals the rule written as a string',
        rules: { repository_owner_id: '123456' },
        claims: { repository_owner_id: 123456 },
        mismatches: [],
      },
      {
        name: 'refs are case-sensitive',
        rules: { ref: 'refs/heads/main' },
        claims: { ref: 'refs/heads/Main' },
        mismatches: ['ref: want refs/heads/main, got refs/heads/Main'],
      },
      {
        name: 'environments are compared exactly',
        rules: { environment: 'production' },
        claims: { environment: 'Production' },
        mismatches: ['environment: want production, got Production'],
      },
      {
        name: 'a job without the pinned environment differs, the claim reported absent',
        rules: { repository: 'acme/infra', environment: 'production' },
        claims: { environment: undefined },
        mismatches: ['environment: want production, got (absent)'],
      },
      {
        name: 'a reusable workflow matches by the called workflow, from another repository',
        rules: {
          repository_owner: 'acme',
          job_workflow_ref: 'acme/shared/.github/workflows/release.yml@refs/tags/v2',
        },
        claims: {
          repository: 'acme/app',
          workflow_ref: 'acme/app/.github/workflows/ci.yml@refs/heads/main',
          job_workflow_ref: 'acme/shared/.github/workflows/release.yml@refs/tags/v2',
        },
        mismatches: [],
      },
      {
        name: 'a reusable workflow at another ref differs',
        rules: { job_workflow_ref: 'acme/shared/.github/workflows/release.yml@refs/tags/v2' },
        claims: { job_workflow_ref: 'acme/shared/.github/workflows/release.yml@refs/heads/main' },
        mismatches: [
          'job_workflow_ref: want acme/shared/.github/workflows/release.yml@refs/tags/v2, got acme/shared/.github/workflows/release.yml@refs/heads/main',
        ],
      },
      {
        name: 'the caller workflow_ref does not satisfy a job_workflow_ref rule',
        rules: { job_workflow_ref: 'acme/app/.github/workflows/ci.yml@refs/heads/main' },
        claims: {
          workflow_ref: 'acme/app/.github/workflows/ci.yml@refs/heads/main',
          job_workflow_ref: 'acme/shared/.github/workflows/release.yml@refs/tags/v2',
        },
        mismatches: [
          'job_workflow_ref: want acme/app/.github/workflows/ci.yml@refs/heads/main, got acme/shared/.github/workflows/release.yml@refs/tags/v2',
        ],
      },
      {
        name: 'a claim of another type never equals a rule',
        rules: { repository: 'acme/infra' },
        claims: { repository: ['acme/infra'] },
        mismatches: ['repository: want acme/infra, got (absent)'],
      },
      {
        name: 'each differing rule is reported, in rule order',
        rules: { event_name: 'push', ref: 'refs/heads/main', repository: 'acme/infra' },
        claims: { event_name: 'workflow_dispatch', ref: 'refs/heads/dev', repository: 'acme/infra' },
        mismatches: [
          'ref: want refs/heads/main, got refs/heads/dev',
          'event_name: want push, got workflow_dispatch',
        ],
      },
    ];

  it.each(cases)('$name', ({ rules, claims, mismatches }) => {
    const match = matchPolicy(rules, jobClaims(claims));
    expect(match.mismatches.map(describeMismatch)).toEqual(mismatches);
    expect(match.matched).toBe(mismatches.length === 0);
  });

  it('reports every non-empty rule as an outcome and the rest as wildcards', () => {
    const match = matchPolicy(
      { repository: 'acme/infra', ref: 'refs/heads/dev', environment: '' },
      jobClaims(),
    );
    expect(match.rules).toEqual([
      { rule: 'repository', matched: true, want: 'acme/infra' },
      { rule: 'ref', matched: false, want: 'refs/heads/dev', got: 'refs/heads/main' },
    ]);
    expect(match.wildcards).toEqual([
      'repository_owner',
      'repository_owner_id',
      'repository_id',
      'job_workflow_ref',
      'environment',
      'event_name',
    ]);
  });
});
