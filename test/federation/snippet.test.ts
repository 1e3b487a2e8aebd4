/**
 * The GitHub Actions workflow of GET /api/v1/auth/oidc and `steward trustpolicy snippet`, and the
 * example in examples/github-actions/ (validated, and equal to what the server would print for it).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { lintTrustPolicy } from '../../controllers/trust-policy.js';
import { githubActionsSnippet } from '../../src/federation/snippet.js';
import { KINDS } from '../../src/kinds.js';
import type { TrustPolicySpec } from '../../src/kinds/generated/v1/trustpolicy.js';
import { validator } from '../schema/fixtures.js';

const base = {
  serverUrl: 'https://steward.example.com',
  tenant: 'acme',
  audience: 'acme.steward.example.com',
};

interface Workflow {
  on: { push: { branches?: string[]; tags?: string[] } };
  permissions: Record<string, string>;
  env: Record<string, string>;
  jobs: { steward: { environment?: string; steps: Array<{ run?: string; uses?: string }> } };
}

describe('githubActionsSnippet', () => {
  it('is a workflow asking for the job token with the audience, exchanging, masking and applying', () => {
    const text = githubActionsSnippet(base);
    const workflow = parse(text) as Workflow;
    expect(workflow.permissions).toEqual({ 'id-token': 'write', contents: 'read' });
    expect(workflow.on.push.branches).toEqual(['main']);
    expect(workflow.env.STEWARD_URL).toBe('https://steward.example.com');
    const script = workflow.jobs.steward.steps.map((step) => step.run ?? '').join('\n');
    expect(script).toContain('$ACTIONS_ID_TOKEN_REQUEST_URL&audience=acme.steward.example.com');
    expect(script).toContain('https://steward.example.com/api/v1/auth/oidc/token');
    expect(script).toContain('::add-mask::$STEWARD_TOKEN');
    expect(script).toContain('/api/v1/apply');
    expect(workflow.jobs.steward.environment).toBeUndefined();
  });

  it('holds no secret: tokens only in shell variables, the Steward token masked before it is exported', () => {
    const text = githubActionsSnippet({
      ...base,
      policy: { name: 'p', claims: { environment: 'production' }, permissions: ['devices:write'] },
    });
    expect(text).not.toMatch(/secrets\./);
    expect(text).not.toMatch(/\b(stt|stw|sts)_[0-9A-Za-z]/);
    expect(text).not.toMatch(/eyJ[0-9A-Za-z_-]/);
    const script = (parse(text) as Workflow).jobs.steward.steps.map((step) => step.run ?? '').join('\n');
    expect(script.indexOf('::add-mask::$STEWARD_TOKEN')).toBeGreaterThan(0);
    expect(script.indexOf('::add-mask::$STEWARD_TOKEN')).toBeLessThan(script.indexOf('$GITHUB_ENV'));
  });

  it('runs scripts bash can parse', () => {
    const workflow = parse(githubActionsSnippet(base)) as Workflow;
    for (const step of workflow.jobs.steward.steps)
      if (step.run) expect(() => execFileSync('bash', ['-n'], { input: step.run })).not.toThrow();
  });

  it.each([
    [{ ref: 'refs/heads/release', environment: 'production' }, { branches: ['release'] }, 'production'],
    [{ ref: 'refs/tags/v1.2.0' }, { tags: ['v1.2.0'] }, undefined],
    [{ repository: 'acme/infra' }, { branches: ['main'] }, undefined],
  ])('follows the policy %j: trigger %j, environment %s', (claims, trigger, environment) => {
    const workflow = parse(
      githubActionsSnippet({ ...base, policy: { name: 'p', claims, permissions: ['devices:read'] } }),
    ) as Workflow;
    expect(workflow.on.push).toEqual(trigger);
    expect(workflow.jobs.steward.environment).toBe(environment);
  });
});

describe('examples/github-actions', () => {
  const dir = fileURLToPath(new URL('../../examples/github-actions/', import.meta.url));
  const policyText = readFileSync(`${dir}trustpolicy.yaml`, 'utf8');
  const policy = parse(policyText) as {
    metadata: { name: string };
    spec: { claims: Record<string, string>; permissions: string[] };
  };

  it('holds a valid TrustPolicy that points editors at its schema', () => {
    expect(policyText.split('\n')[0]).toBe(
      '# yaml-language-server: $schema=../../schemas/v1/trustpolicy.json',
    );
    expect(validator.validate(policy, 0).problems).toEqual([]);
  });

  it('holds a policy with no lint warning, as its README says', () => {
    const allWrites = KINDS.map((kind) => `${kind.plural}:write`);
    expect(lintTrustPolicy(policy.spec as TrustPolicySpec, allWrites)).toEqual([]);
  });

  it('holds the workflow the server prints for that policy', () => {
    const expected = githubActionsSnippet({
      serverUrl: 'https://steward.example.com',
      tenant: 'default',
      audience: 'default.steward.example.com',
      policy: {
        name: policy.metadata.name,
        claims: policy.spec.claims,
        permissions: policy.spec.permissions,
      },
    });
    expect(readFileSync(`${dir}workflow.yml`, 'utf8')).toBe(expected);
  });
});
