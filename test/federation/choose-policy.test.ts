import { describe, expect, it } from 'vitest';
import {
  type CandidatePolicy,
  choosePolicy,
  describeNoMatch,
  explain,
  orderPolicies,
} from '../../src/federation/choose-policy.js';
import type { TrustPolicySpec } from '../../src/kinds/generated/v1/trustpolicy.js';
import { jobClaims } from './token-fixtures.js';

const policies: CandidatePolicy[] = [
  { name: 'owner-wide', rules: { repository_owner: 'acme', repository_owner_id: '123456' } },
  {
    name: 'infra-prod',
    rules: { repository_owner_id: '123456', repository: 'acme/infra', environment: 'production' },
  },
  { name: 'infra-any', rules: { repository_owner_id: '123456', repository: 'acme/infra' } },
  {
    name: 'infra-release',
    rules: {
      repository_owner_id: '123456',
      repository: 'acme/infra',
      job_workflow_ref: 'acme/infra/.github/workflows/release.yml@refs/heads/main',
      ref: 'refs/heads/main',
    },
  },
];

describe('orderPolicies', () => {
  it('puts more non-empty rules first, then orders by name', () => {
    expect(orderPolicies(policies).map((policy) => policy.name)).toEqual([
      'infra-release',
      'infra-prod',
      'infra-any',
      'owner-wide',
    ]);
  });
});

describe('choosePolicy', () => {
  const cases: {
    name: string;
    claims: Record<string, unknown>;
    chosen?: string;
    closest?: string;
    why?: string;
  }[] = [
    { name: 'a production job gets the environment-pinned policy', claims: {}, chosen: 'infra-prod' },
    {
      name: 'a staging job falls through to the broader repository policy',
      claims: { environment: 'staging' },
      chosen: 'infra-any',
    },
    {
      name: 'the release workflow gets the most specific policy',
      claims: { job_workflow_ref: 'acme/infra/.github/workflows/release.yml@refs/heads/main' },
      chosen: 'infra-release',
    },
    {
      name: 'another repository of the owner gets the owner-wide policy',
      claims: { repository: 'acme/web', environment: undefined },
      chosen: 'owner-wide',
    },
    {
      name: 'a fork matches nothing and names the closest, the more specific of equally close policies',
      claims: { repository_owner: 'mallory', repository_owner_id: '666', repository: 'mallory/infra' },
      closest: 'infra-prod',
      why:
        'no trust policy matches; closest "infra-prod": repository_owner_id: want 123456, got 666; ' +
        'repository: want acme/infra, got mallory/infra',
    },
    {
      name: 'pull_request_target matches no policy that does not opt in',
      claims: { event_name: 'pull_request_target' },
      closest: 'infra-prod',
      why:
        'no trust policy matches; closest "infra-prod": event_name: want any event but pull_request_target ' +
        '(the policy does not opt in), got pull_request_target',
    },
  ];

  it.each(cases)('$name', ({ claims, chosen, closest, why }) => {
    const choice = choosePolicy(policies, jobClaims(claims));
    expect(choice.chosen?.name).toBe(chosen);
    if (choice.chosen === undefined) {
      expect(choice.closest?.policy.name).toBe(closest);
      expect(describeNoMatch(choice)).toBe(why);
    }
  });

  it('picks a policy that opts in to pull_request_target', () => {
    const withOptIn = [
      ...policies,
      { name: 'prt', rules: { repository: 'acme/infra' }, allowPullRequestTarget: true },
    ];
    expect(choosePolicy(withOptIn, jobClaims({ event_name: 'pull_request_target' })).chosen?.name).toBe(
      'prt',
    );
  });

  it('answers no closest policy when there are none', () => {
    const choice = choosePolicy([], jobClaims());
    expect(choice).toEqual({ chosen: undefined });
    expect(describeNoMatch(choice)).toMatch(/has no policy/);
  });

  it('does not depend on the order the policies are given in', () => {
    const claims = jobClaims({ environment: 'staging' });
    expect(choosePolicy([...policies].reverse(), claims).chosen?.name).toBe('infra-any');
  });
});

describe('explain', () => {
  it('answers for every policy which rules matched, which did not, and the pick', () => {
    const explanation = explain(policies, jobClaims({ environment: 'staging' }));
    expect(explanation.picked).toBe('infra-any');
    expect(explanation.summary).toBe('an exchange would pick trust policy "infra-any"');
    expect(
      explanation.policies.map(({ name, position, matched, differences }) => ({
        name,
        position,
        matched,
        differences,
      })),
    ).toEqual([
      {
        name: 'infra-release',
        position: 1,
        matched: false,
        differences: [
          'job_workflow_ref: want acme/infra/.github/workflows/release.yml@refs/heads/main, got acme/infra/.github/workflows/deploy.yml@refs/heads/main',
        ],
      },
      {
        name: 'infra-prod',
        position: 2,
        matched: false,
        differences: ['environment: want production, got staging'],
      },
      { name: 'infra-any', position: 3, matched: true, differences: [] },
      { name: 'owner-wide', position: 4, matched: true, differences: [] },
    ]);
    expect(explanation.policies[3]?.rules).toEqual([
      { rule: 'repository_owner', matched: true, want: 'acme' },
      { rule: 'repository_owner_id', matched: true, want: '123456' },
    ]);
  });

  it('names the closest policy when none would be picked', () => {
    const explanation = explain(policies, jobClaims({ repository_owner_id: '999' }));
    expect(explanation.picked).toBeUndefined();
    expect(explanation.closest).toBe('infra-prod');
    expect(explanation.summary).toBe(
      'no trust policy matches; closest "infra-prod": repository_owner_id: want 123456, got 999',
    );
    expect(explanation.policies.every((policy) => !policy.matched)).toBe(true);
  });
});

describe('a TrustPolicy spec as a candidate', () => {
  it("takes the schema's claims and opt-in as they are", () => {
    const spec: TrustPolicySpec = {
      claims: { repository_owner_id: '123456', repository: 'acme/infra', event_name: 'pull_request_target' },
      allowPullRequestTarget: true,
      permissions: ['devices:read'],
    };
    const candidate: CandidatePolicy = {
      name: 'from-spec',
      rules: spec.claims ?? {},
      allowPullRequestTarget: spec.allowPullRequestTarget,
    };
    expect(choosePolicy([candidate], jobClaims({ event_name: 'pull_request_target' })).chosen?.name).toBe(
      'from-spec',
    );
  });
});
