/**
 * `steward trustpolicy explain|snippet` and `describe trustpolicy`'s lint, against a real server
 * whose policy is made Ready by the engine from a local issuer.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Explanation, lintLines, renderExplanation } from '../../src/cli/commands/trustpolicy.js';
import type { Resource } from '../../src/cli/resource.js';
import { jobClaims, type LocalIssuer, startLocalIssuer } from '../federation/local-issuer.js';
import { readyOf, usePkiServer, waitFor } from '../pki/pki-server.js';
import { call } from '../support/server.js';
import { runCli, writeTree } from './harness.js';

describe('renderExplanation', () => {
  const answer: Explanation = {
    claims: {},
    tokenChecks: [
      { check: 'format', ok: true },
      { check: 'signature', ok: false, reason: 'BadSignature', message: 'signature: does not verify' },
    ],
    policies: [
      {
        name: 'infra-prod',
        position: 1,
        ready: true,
        issuer: 'https://token.actions.githubusercontent.com',
        issuerMatches: true,
        matched: ['repository'],
        mismatched: [{ rule: 'environment', want: 'production', got: 'staging' }],
        wildcards: ['event_name'],
        differences: ['environment: want production, got staging'],
      },
      {
        name: 'broken',
        position: 2,
        ready: false,
        readyMessage: 'IssuerUnreachable',
        issuer: 'https://x',
        issuerMatches: false,
        matched: [],
        mismatched: [],
        wildcards: [],
        differences: [],
      },
    ],
    chosen: null,
    message: 'no trust policy matches; closest "infra-prod": environment: want production, got staging',
  };

  it('shows the token checks, each policy rule by rule, and the verdict', () => {
    expect(renderExplanation(answer)).toEqual([
      'Token checks:',
      '  ✓ format',
      '  ✗ signature: signature: does not verify',
      '1. infra-prod',
      '  ✓ repository',
      '  ✗ environment: want production, got staging',
      '  * any event_name',
      '2. broken (not Ready: IssuerUnreachable; trusts https://x, not this issuer)',
      'no trust policy matches; closest "infra-prod": environment: want production, got staging',
    ]);
    expect(renderExplanation({ ...answer, tokenChecks: undefined, chosen: 'infra-prod' }).at(-1)).toBe(
      'would pick: infra-prod',
    );
  });
});

describe('renderExplanation, the answer as documented in the brief of the route', () => {
  // Only the fields the route's contract promises: no position, issuer or differences.
  const minimal = {
    claims: { repository: 'acme/infra', environment: 'staging' },
    policies: [
      {
        name: 'infra-prod',
        ready: true,
        matched: ['repository', 'ref'],
        mismatched: [{ rule: 'environment', want: 'production', got: 'staging' }],
        wildcards: ['event_name'],
      },
      { name: 'infra-any', ready: true, matched: ['repository'], mismatched: [], wildcards: [] },
    ],
    chosen: 'infra-any',
    message: 'infra-any matches',
  } as unknown as Explanation;

  it.each([
    [
      'numbers policies in the order given and picks the chosen one',
      minimal,
      [
        '1. infra-prod',
        '  ✓ repository',
        '  ✓ ref',
        '  ✗ environment: want production, got staging',
        '  * any event_name',
        '2. infra-any',
        '  ✓ repository',
        'would pick: infra-any',
      ],
    ],
    [
      'keeps a claim value with a newline on its line',
      {
        ...minimal,
        policies: [
          { ...minimal.policies[0], mismatched: [{ rule: 'ref', want: 'refs/heads/main', got: 'x\n✓ ref' }] },
        ],
        chosen: null,
        message: 'no trust policy matches',
      },
      [
        '1. infra-prod',
        '  ✓ repository',
        '  ✓ ref',
        '  ✗ ref: want refs/heads/main, got x\\n✓ ref',
        '  * any event_name',
        'no trust policy matches',
      ],
    ],
  ])('%s', (_case, answer, expected) => {
    expect(renderExplanation(answer as Explanation)).toEqual(expected);
  });
});

describe('lintLines (describe trustpolicy)', () => {
  const withWarnings = (warnings?: Array<{ code: string; message: string }>) =>
    ({ status: warnings ? { warnings } : {} }) as unknown as Resource;

  it.each([
    ['a policy not linted yet shows no section', undefined, []],
    ['a clean policy says so', [], ['Lint:', '  no warnings']],
    [
      'each warning on its own line, code then message',
      [
        { code: 'SingleConstraint', message: 'one rule only' },
        { code: 'WideWrite', message: 'writes on every area' },
      ],
      ['Lint:', '  Warning  SingleConstraint  one rule only', '  Warning  WideWrite  writes on every area'],
    ],
    [
      'a message with a newline stays on one line',
      [{ code: 'NoOwnerPin', message: 'x\nWarning  Forged  y' }],
      ['Lint:', '  Warning  NoOwnerPin  x\\nWarning  Forged  y'],
    ],
  ])('%s', (_case, warnings, expected) => {
    expect(lintLines(withWarnings(warnings))).toEqual(expected);
  });
});

describe('steward trustpolicy against a real server', () => {
  const handle = usePkiServer({ env: { STEWARD_OIDC_HTTP_LOOPBACK: 'true' } });
  let issuer: LocalIssuer;
  let env: Record<string, string>;
  let home: string;
  const cli = (argv: string[]) => runCli(argv, { env });

  beforeAll(async () => {
    issuer = await startLocalIssuer();
    const applied = await call(handle.server, 'POST', '/api/v1/apply', {
      body: {
        apiVersion: 'steward.dev/v1',
        kind: 'TrustPolicy',
        metadata: { name: 'infra-prod' },
        spec: {
          issuer: issuer.url,
          claims: { repository_owner: 'acme', repository: 'acme/infra', environment: 'production' },
          permissions: ['devices:read', 'devices:write'],
        },
      },
    });
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    await waitFor(handle, 'infra-prod', (resource) => readyOf(resource)?.status === 'True', {
      kind: 'TrustPolicy',
    });
    home = writeTree({});
    env = { HOME: home, STEWARD_URL: handle.server.url, STEWARD_TOKEN: handle.token };
  });

  afterAll(async () => {
    await issuer?.close();
  });

  it('explains claims from a file: exit 0 and the policy it would pick', async () => {
    const file = join(home, 'claims.json');
    writeFileSync(file, JSON.stringify(jobClaims(issuer.url, 'default.steward.test')));
    const reply = await cli(['trustpolicy', 'explain', '--claims', file]);
    expect(reply.code, reply.stderr).toBe(0);
    expect(reply.stdout).toContain('1. infra-prod');
    expect(reply.stdout).toContain('✓ environment');
    expect(reply.stdout).toContain('would pick: infra-prod');
  });

  it('explains a token: exit 1 and each differing rule when none matches', async () => {
    const file = join(home, 'token');
    writeFileSync(
      file,
      await issuer.token(jobClaims(issuer.url, 'default.steward.test', { repository: 'acme/fork' })),
    );
    const reply = await cli(['trustpolicy', 'explain', '--token', file]);
    expect(reply.code).toBe(1);
    expect(reply.stdout).toContain('✓ signature');
    expect(reply.stdout).toContain('✗ repository: want acme/infra, got acme/fork');
    expect(reply.stdout).toContain('no trust policy matches; closest "infra-prod"');
  });

  it('prints the workflow for a policy', async () => {
    const reply = await cli(['trustpolicy', 'snippet', 'infra-prod']);
    expect(reply.code, reply.stderr).toBe(0);
    expect(reply.stdout).toContain('id-token: write');
    expect(reply.stdout).toContain('audience=default.steward.test');
    expect(reply.stdout).toContain('environment: production');
  });

  it('describe shows the lint warnings', async () => {
    const reply = await cli(['describe', 'trustpolicy', 'infra-prod']);
    expect(reply.code, reply.stderr).toBe(0);
    expect(reply.stdout).toContain('Lint:');
    expect(reply.stdout).toMatch(
      /Warning {2}OwnerPinnedByNameOnly {2}repository_owner acme is pinned by name only/,
    );
    expect(reply.stdout).toContain('Linted');
    // The Linted condition's message and the Lint section; no longer a third time in the Status dump.
    expect(reply.stdout.match(/is pinned by name only/g)).toHaveLength(2);
    expect(reply.stdout).not.toMatch(/Status:\n(?:.*\n)*?\s+warnings:/);
  });
});
