/** The TrustPolicy reconciler's pure decision and its apply admission, as tables whose rows are sentences. */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { beforeAll, describe, expect, it } from 'vitest';
import { decideTrustPolicy, type TrustPolicyObservation } from '../../controllers/trust-policy.js';
import { PermissionCatalogue } from '../../src/auth/permissions.js';
import type { OperationContext } from '../../src/context.js';
import { ForbiddenError } from '../../src/errors.js';
import type { TrustPolicySpec } from '../../src/kinds/generated/v1/trustpolicy.js';
import type { StoredResource } from '../../src/resources/model.js';
import { cacheLifetimeMs, type IssuerKeys, usableKey } from '../../src/trust/jwks-cache.js';
import { trustPolicyProblems } from '../../src/trust/trust-policy-admission.js';

const NOW = new Date('2026-12-04T12:00:00.000Z');
const ISSUER = 'https://token.actions.githubusercontent.com';
const OIDC: TrustPolicySpec = { claims: { repository_owner: 'acme' }, permissions: ['devices:read'] };

const keys: IssuerKeys = {
  issuer: ISSUER,
  jwksUri: `${ISSUER}/.well-known/jwks`,
  keys: [{ kty: 'RSA', kid: 'k1', n: 'x', e: 'AQAB' }],
  keyIds: ['k1'],
  fetchedAt: NOW,
  expiresAt: new Date(NOW.getTime() + 600_000),
  refreshAt: new Date(NOW.getTime() + 540_000),
};

async function certificate(ca: boolean, notAfter = new Date('2040-01-01T00:00:00Z')): Promise<string> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  const pair = (await webcrypto.subtle.generateKey(algorithm, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const made = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${ca ? 'Test CA' : 'Not a CA'}`,
    notBefore: new Date('2024-01-01T00:00:00Z'),
    notAfter,
    keys: pair,
    signingAlgorithm: algorithm,
    extensions: [new x509.BasicConstraintsExtension(ca, undefined, true)],
  });
  return made.toString('pem');
}

let caPem: string;
let leafPem: string;
let expiredPem: string;
beforeAll(async () => {
  caPem = await certificate(true);
  leafPem = await certificate(false);
  expiredPem = await certificate(true, new Date('2025-01-01T00:00:00Z'));
});

function ready(spec: TrustPolicySpec, observation: TrustPolicyObservation) {
  const result = decideTrustPolicy(spec, observation, NOW);
  const condition = result.conditions.find((c) => c.type === 'Ready');
  return {
    ...result,
    status: condition?.status,
    reason: condition?.reason,
    message: condition?.message ?? '',
  };
}

describe('decideTrustPolicy, type oidc', () => {
  it('is Ready with the key ids when the JWKS was fetched, and comes back at the refresh time', () => {
    const result = ready(OIDC, { type: 'oidc', jwks: { ok: true, keys } });
    expect(result).toMatchObject({ status: 'True', reason: 'KeysDiscovered', requeueAfter: 540_000 });
    expect(result.message).toContain('k1');
  });

  it('reports the key ids, JWKS address and cache times in status', () => {
    expect(ready(OIDC, { type: 'oidc', jwks: { ok: true, keys } }).status).toBe('True');
    expect(decideTrustPolicy(OIDC, { type: 'oidc', jwks: { ok: true, keys } }, NOW).status).toEqual({
      jwksUri: keys.jwksUri,
      keyIds: ['k1'],
      keysFetchedAt: NOW.toISOString(),
      keysExpireAt: keys.expiresAt.toISOString(),
      warnings: [
        expect.objectContaining({ code: 'SingleConstraint' }),
        expect.objectContaining({ code: 'OwnerPinnedByNameOnly' }),
      ],
    });
  });

  it('never asks to come back in less than a second, even past the refresh time', () => {
    const late = { ...keys, refreshAt: new Date(NOW.getTime() - 5_000) };
    expect(ready(OIDC, { type: 'oidc', jwks: { ok: true, keys: late } }).requeueAfter).toBe(1_000);
  });

  it.each([
    ['an unreachable issuer', 'IssuerUnreachable'],
    ['a bad discovery document', 'DiscoveryInvalid'],
    ['a JWKS without usable keys', 'NoUsableKeys'],
  ] as const)('reports %s as Ready=False %s, naming the issuer, and retries', (_name, reason) => {
    const result = ready(OIDC, { type: 'oidc', jwks: { ok: false, reason, message: 'why' } });
    expect(result).toMatchObject({ status: 'False', reason, requeueAfter: 60_000 });
    expect(result.message).toBe(`${ISSUER}: why`);
  });
});

describe('decideTrustPolicy, type x509', () => {
  const x509Spec = (anchors?: string[], caRef?: string): TrustPolicySpec => ({
    type: 'x509',
    x509: { ...(anchors ? { anchors } : {}), ...(caRef ? { caRef: { name: caRef } } : {}) },
    permissions: ['devices:read'],
  });

  it('is Ready when every PEM anchor is a CA certificate', () => {
    const result = decideTrustPolicy(x509Spec([caPem]), { type: 'x509' }, NOW);
    expect(result.conditions[0]).toMatchObject({ status: 'True', reason: 'AnchorsValid' });
    expect(result.status).toEqual({ anchors: ['CN=Test CA'], warnings: [] });
  });

  it.each([
    ['a certificate that is not a CA', () => leafPem, 'is not a CA'],
    ['an expired CA certificate', () => expiredPem, 'expired'],
    ['text that is no certificate', () => 'hello', 'holds 0 PEM certificates'],
  ])('refuses %s as AnchorInvalid, naming the anchor', (_name, pem, problem) => {
    const result = ready(x509Spec([caPem, pem()]), { type: 'x509' });
    expect(result).toMatchObject({ status: 'False', reason: 'AnchorInvalid' });
    expect(result.message).toContain('x509.anchors[1]');
    expect(result.message).toContain(problem);
  });

  it('is Ready with a Ready CertificateAuthority as its anchor', () => {
    const result = ready(x509Spec(undefined, 'ci'), {
      type: 'x509',
      ca: { name: 'ci', ready: true, certificate: caPem },
    });
    expect(result).toMatchObject({ status: 'True', reason: 'AnchorsValid' });
  });

  it('waits for a CertificateAuthority that is missing or not Ready', () => {
    const result = ready(x509Spec([caPem], 'ci'), {
      type: 'x509',
      ca: { name: 'ci', ready: false, why: 'does not exist' },
    });
    expect(result).toMatchObject({ status: 'False', reason: 'CertificateAuthorityNotReady' });
    expect(result.message).toBe('CertificateAuthority "ci" does not exist');
  });
});

describe('the JWKS cache rules', () => {
  it.each([
    ['max-age within the bounds is kept', 'public, max-age=3600', 3_600_000],
    ['a short max-age is raised to 5 minutes', 'max-age=10', 300_000],
    ['a long max-age is cut to 24 hours', 'max-age=999999', 86_400_000],
    ['no-store means the shortest lifetime', 'no-store', 300_000],
    ['no header means the shortest lifetime', null, 300_000],
  ])('%s', (_name, header, expected) => {
    expect(cacheLifetimeMs(header, 300_000, 86_400_000)).toBe(expected);
  });

  it.each([
    ['an RSA signing key', { kty: 'RSA', kid: 'a', alg: 'RS256', use: 'sig', n: 'x', e: 'AQAB' }, true],
    ['an EC key without alg', { kty: 'EC', kid: 'a', crv: 'P-256', x: 'x', y: 'y' }, true],
    ['an HMAC key', { kty: 'oct', kid: 'a', k: 'secret' }, false],
    ['a key for HS256', { kty: 'RSA', kid: 'a', alg: 'HS256', n: 'x', e: 'AQAB' }, false],
    ['an encryption key', { kty: 'RSA', kid: 'a', use: 'enc', n: 'x', e: 'AQAB' }, false],
    ['a private key', { kty: 'EC', kid: 'a', crv: 'P-256', x: 'x', y: 'y', d: 'd' }, false],
  ])('%s usable: %s', (_name, key, usable) => {
    expect(usableKey(key)).toBe(usable);
  });
});

describe('the TrustPolicy admission', () => {
  const catalogue = new PermissionCatalogue({
    all: [{ plural: 'devices' }, { plural: 'artifacts' }, { plural: 'rollouts' }],
  });
  const holding = (held: string[]): OperationContext => ({
    tenant: 'acme',
    actor: { type: 'user', id: 'u', name: 'alice' },
    requestId: 'r',
    authorize(permission) {
      if (!held.includes(permission)) throw new ForbiddenError(`lacks ${permission}`);
    },
  });
  const write = (spec: TrustPolicySpec) => ({
    index: 2,
    outcome: 'created' as const,
    next: { kind: 'TrustPolicy', name: 'p', spec } as unknown as StoredResource,
  });
  const problemsOf = (spec: TrustPolicySpec, held: string[]) =>
    trustPolicyProblems(catalogue, write(spec), holding(held)).map((p) => `${p.pointer}: ${p.message}`);

  it('admits permissions the author holds', () => {
    expect(
      problemsOf({ ...OIDC, permissions: ['devices:read', 'artifacts:write'] }, [
        'devices:read',
        'artifacts:write',
      ]),
    ).toEqual([]);
  });

  it('refuses every permission that is unknown, session-only or not held, all at once', () => {
    const spec = { ...OIDC, permissions: ['devices:read', 'nope:read', 'keys:write', 'rollouts:approve'] };
    expect(problemsOf(spec, ['devices:read', 'keys:write'])).toEqual([
      '/spec/permissions/1: "nope:read" is not a Steward permission',
      '/spec/permissions/2: "keys:write" is session-only: a token minted by a policy can never hold it',
      '/spec/permissions/3: "rollouts:approve" is not held by the credential applying this policy: a policy never grants more than its author holds',
    ]);
  });

  it('refuses fields of the other type', () => {
    expect(problemsOf({ ...OIDC, x509: { anchors: ['pem'] } }, ['devices:read'])).toEqual([
      '/spec/x509: is for type x509; this policy is type oidc (set type: x509, or remove x509)',
    ]);
    expect(
      problemsOf(
        { type: 'x509', x509: { anchors: ['pem'] }, claims: { repository: 'a/b' }, permissions: [] },
        [],
      ),
    ).toEqual([
      '/spec/claims: is for type oidc; this policy is type x509 (subject rules go in x509.subject)',
    ]);
  });

  it('gives each problem the index of its document', () => {
    const problems = trustPolicyProblems(catalogue, write({ ...OIDC, permissions: ['x:y'] }), holding([]));
    expect(problems.map((p) => p.document)).toEqual([2]);
  });
});

describe('decideTrustPolicy, lint', () => {
  const oidc = (spec: Partial<TrustPolicySpec>): TrustPolicySpec => ({ ...OIDC, ...spec }) as TrustPolicySpec;
  const codes = (spec: TrustPolicySpec, allWrites: string[] = []) => {
    const result = decideTrustPolicy(spec, { type: 'oidc', jwks: { ok: true, keys } }, NOW, { allWrites });
    const linted = result.conditions.find((condition) => condition.type === 'Linted');
    return {
      codes: (result.status?.warnings ?? []).map((warning) => warning.code),
      linted: linted?.status,
      reason: linted?.reason,
      message: linted?.message,
      ready: result.conditions.find((condition) => condition.type === 'Ready')?.status,
    };
  };

  it.each([
    [
      'a policy pinning owner id, repository, workflow, ref and environment has no warnings',
      oidc({
        claims: {
          repository_owner_id: '1',
          repository: 'acme/infra',
          job_workflow_ref: 'acme/infra/.github/workflows/d.yml@refs/heads/main',
          ref: 'refs/heads/main',
          environment: 'production',
        },
        permissions: ['devices:write'],
      }),
      [],
    ],
    [
      'a single constraint, owner by name only',
      oidc({ claims: { repository_owner: 'acme' } }),
      ['SingleConstraint', 'OwnerPinnedByNameOnly'],
    ],
    [
      'no owner pin',
      oidc({ claims: { repository: 'acme/infra', ref: 'refs/heads/main', job_workflow_ref: 'x' } }),
      ['NoOwnerPin'],
    ],
    [
      'ref without job_workflow_ref',
      oidc({ claims: { repository_owner_id: '1', repository: 'acme/infra', ref: 'refs/heads/main' } }),
      ['RefWithoutWorkflow'],
    ],
    [
      'a write without environment',
      oidc({
        claims: { repository_owner_id: '1', repository: 'acme/infra' },
        permissions: ['devices:write'],
      }),
      ['WriteWithoutEnvironment'],
    ],
  ])('%s', (_case, spec, expected) => {
    const result = codes(spec);
    expect(result.codes).toEqual(expected);
    expect(result.linted).toBe('True');
    expect(result.reason).toBe(expected.length ? 'Warnings' : 'Clean');
    for (const code of expected) expect(result.message).toContain(`${code}: `);
    expect(result.ready).toBe('True');
  });

  it('warns of write on every area (the catalogue’s writes), and never changes Ready', () => {
    const allWrites = ['devices:write', 'rollouts:write'];
    const spec = oidc({
      claims: { repository_owner_id: '1', repository: 'acme/infra', environment: 'prod' },
      permissions: allWrites,
    });
    expect(codes(spec, allWrites).codes).toEqual(['WideWrite']);
    const failing = decideTrustPolicy(
      spec,
      { type: 'oidc', jwks: { ok: false, reason: 'IssuerUnreachable', message: 'down' } },
      NOW,
      {
        allWrites,
      },
    );
    expect(failing.status?.warnings?.map((warning) => warning.code)).toEqual(['WideWrite']);
    expect(failing.conditions.find((condition) => condition.type === 'Ready')?.status).toBe('False');
  });

  it('lints only the permissions of an x509 policy', () => {
    const spec = {
      type: 'x509',
      x509: { anchors: [caPem] },
      permissions: ['devices:write'],
    } as TrustPolicySpec;
    const result = decideTrustPolicy(spec, { type: 'x509' }, NOW, { allWrites: ['devices:write'] });
    expect(result.status?.warnings?.map((warning) => warning.code)).toEqual(['WideWrite']);
  });

  it('does not ask an x509 policy for an environment rule: a narrow write is clean', () => {
    const spec = {
      type: 'x509',
      x509: { anchors: [caPem] },
      permissions: ['devices:write'],
    } as TrustPolicySpec;
    const result = decideTrustPolicy(spec, { type: 'x509' }, NOW, {
      allWrites: ['devices:write', 'rollouts:write'],
    });
    expect(result.status?.warnings).toEqual([]);
    expect(result.conditions.find((condition) => condition.type === 'Linted')).toMatchObject({
      status: 'True',
      reason: 'Clean',
    });
  });
});
