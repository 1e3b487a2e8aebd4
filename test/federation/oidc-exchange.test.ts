/**
 * The OIDC exchange end to end (issue #16): a real issuer on loopback (discovery, JWKS, jose
 * keys), TrustPolicies made Ready by the engine, then POST /api/v1/auth/oidc/token with tokens
 * good and bad, the minted token used against the API, revoked, explained, and kept per tenant.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredResource } from '../../src/resources/model.js';
import { readyOf, usePkiServer, waitFor } from '../pki/pki-server.js';
import { call, loginToken } from '../support/server.js';
import { jobClaims, type LocalIssuer, startLocalIssuer } from './local-issuer.js';

const handle = usePkiServer({ env: { STEWARD_OIDC_HTTP_LOOPBACK: 'true' } });
const AUDIENCE = 'default.steward.test';
let issuer: LocalIssuer;
let stranger: LocalIssuer;

interface Exchanged {
  token: string;
  id: string;
  expiresIn: number;
  expiresAt: string;
  policy: string;
  permissions: string[];
}
interface Refusal {
  reason: string;
  message: string;
  details?: Record<string, unknown>;
}

function policy(name: string, spec: Record<string, unknown>) {
  return { apiVersion: 'steward.dev/v1', kind: 'TrustPolicy', metadata: { name }, spec };
}

async function apply(manifests: unknown[], token?: string) {
  return call(handle.server, 'POST', '/api/v1/apply', { body: manifests, token });
}

async function ready(name: string, tenant = 'default'): Promise<StoredResource> {
  return (await waitFor(
    handle,
    name,
    (resource) =>
      readyOf(resource)?.status === 'True' && resource?.status.observedGeneration === resource?.generation,
    { kind: 'TrustPolicy', tenant },
  )) as StoredResource;
}

function exchange(token: string) {
  return call<Exchanged & Refusal>(handle.server, 'POST', '/api/v1/auth/oidc/token', {
    body: { token },
    token: null,
  });
}

async function refused(token: string, reason: string): Promise<Refusal> {
  const reply = await exchange(token);
  expect(reply.status, JSON.stringify(reply.body)).toBe(401);
  expect(reply.body.reason, reply.body.message).toBe(reason);
  const signature = token.split('.')[2];
  if (signature) expect(reply.body.message).not.toContain(signature);
  return reply.body;
}

const claims = (overrides: Record<string, unknown> = {}) => jobClaims(issuer.url, AUDIENCE, overrides);

beforeAll(async () => {
  issuer = await startLocalIssuer({ cacheControl: 'max-age=600' });
  stranger = await startLocalIssuer();
  const applied = await apply([
    policy('infra-prod', {
      issuer: issuer.url,
      claims: {
        repository_owner: 'acme',
        repository_owner_id: '123456',
        repository: 'acme/infra',
        job_workflow_ref: 'acme/infra/.github/workflows/deploy.yml@refs/heads/main',
        ref: 'refs/heads/main',
        environment: 'production',
      },
      maxSessionSeconds: 900,
      permissions: ['devices:read', 'devices:write'],
    }),
    policy('infra-read', {
      issuer: issuer.url,
      claims: { repository_owner_id: '123456', repository: 'acme/infra' },
      maxSessionSeconds: 0,
      permissions: ['devices:read'],
    }),
    policy('shared-deploy', {
      issuer: issuer.url,
      claims: {
        repository_owner_id: '123456',
        repository: 'acme/app',
        job_workflow_ref: 'acme/shared/.github/workflows/deploy.yml@refs/tags/v1',
      },
      permissions: ['devices:read'],
    }),
  ]);
  expect(applied.status, JSON.stringify(applied.body)).toBe(200);
  await Promise.all(['infra-prod', 'infra-read', 'shared-deploy'].map((name) => ready(name)));
});

afterAll(async () => {
  await issuer?.close();
  await stranger?.close();
});

describe('POST /api/v1/auth/oidc/token', () => {
  it('mints a token with the most specific matching policy, its permissions and lifetime, journaled without the token', async () => {
    const reply = await exchange(await issuer.token(claims()));
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.headers['cache-control']).toBe('no-store');
    const minted = reply.body;
    expect(minted.token).toMatch(/^stt_[0-9a-f]{16}_/);
    expect(minted).toMatchObject({
      policy: 'infra-prod',
      expiresIn: 900,
      permissions: ['devices:read', 'devices:write'],
    });
    expect(Date.parse(minted.expiresAt) - Date.now()).toBeGreaterThan(880_000);
    expect(Date.parse(minted.expiresAt) - Date.now()).toBeLessThanOrEqual(900_000);

    const me = await call<{ credential: Record<string, unknown>; permissions: string[] }>(
      handle.server,
      'GET',
      '/api/v1/auth/me',
      { token: minted.token },
    );
    expect(me.body.credential).toMatchObject({ type: 'token', id: minted.id, name: 'infra-prod' });
    expect(me.body.permissions).toEqual(['devices:read', 'devices:write']);
    expect((await call(handle.server, 'GET', '/api/v1/devices', { token: minted.token })).status).toBe(200);
    const written = await apply(
      [
        {
          apiVersion: 'steward.dev/v1',
          kind: 'Device',
          metadata: { name: 'from-ci' },
          spec: { platform: 'linux', permanentIdentifier: 'ci-1' },
        },
      ],
      minted.token,
    );
    expect(written.status, JSON.stringify(written.body)).toBe(200);
    const denied = await call<Refusal>(handle.server, 'GET', '/api/v1/certificateauthorities', {
      token: minted.token,
    });
    expect(denied.status).toBe(403);
    expect(denied.body.message).toContain('certificateauthorities:read');
    expect(denied.body.message).toContain('trust policy infra-prod');

    const journal = await call<{ items: Array<Record<string, unknown>> }>(
      handle.server,
      'GET',
      '/api/v1/journal?operation=auth.exchange&limit=50',
    );
    const entry = journal.body.items.find((item) => String(item.reason).includes(minted.id));
    expect(entry).toMatchObject({
      operation: 'auth.exchange',
      kind: 'TrustPolicy',
      name: 'infra-prod',
      result: 'success',
    });
    expect(entry?.actor).toMatchObject({
      type: 'oidc',
      name: 'infra-prod:repo:acme/infra:environment:production',
    });
    expect(String(entry?.reason)).toContain('repository=acme/infra');
    expect(String(entry?.reason)).toContain('repository_owner_id=123456');
    // The secret is all after `stt_<id>_` (base64url: it may itself hold `_`, so never split it).
    const secret = minted.token.slice(minted.token.indexOf('_', 'stt_'.length) + 1);
    expect(secret.length).toBeGreaterThan(20);
    expect(JSON.stringify(journal.body)).not.toContain(secret);
    const applyEntry = (
      await call<{ items: Array<Record<string, unknown>> }>(
        handle.server,
        'GET',
        '/api/v1/journal?name=from-ci',
      )
    ).body.items[0];
    expect(applyEntry?.actor).toMatchObject({ type: 'oidc', id: minted.id });
  });

  it('falls back to a broader policy, and a policy with maxSessionSeconds 0 gets the server default', async () => {
    const reply = await exchange(
      await issuer.token(claims({ environment: 'staging', sub: 'repo:acme/infra:environment:staging' })),
    );
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body).toMatchObject({
      policy: 'infra-read',
      expiresIn: 3600,
      permissions: ['devices:read'],
    });
  });

  it('compares owner and repository names case-insensitively and ids exactly', async () => {
    const upper = await exchange(
      await issuer.token(claims({ repository: 'ACME/Infra', repository_owner: 'Acme' })),
    );
    expect(upper.status, JSON.stringify(upper.body)).toBe(200);
    expect(upper.body.policy).toBe('infra-prod');
    const refusal = await refused(
      await issuer.token(claims({ repository_owner_id: '0123456' })),
      'NoPolicyMatched',
    );
    expect(refusal.message).toContain('repository_owner_id: want 123456, got 0123456');
  });

  it('matches a reusable workflow by the called workflow named in job_workflow_ref', async () => {
    const reply = await exchange(
      await issuer.token(
        claims({
          repository: 'acme/app',
          job_workflow_ref: 'acme/shared/.github/workflows/deploy.yml@refs/tags/v1',
        }),
      ),
    );
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.policy).toBe('shared-deploy');
  });

  it('refuses a replayed token: a jti is exchanged once', async () => {
    const token = await issuer.token(claims());
    expect((await exchange(token)).status).toBe(200);
    const refusal = await refused(token, 'Replayed');
    expect(refusal.message).toContain('already exchanged');
  });

  it('of the same token sent ten times at once, exactly one is exchanged', async () => {
    const token = await issuer.token(claims());
    const replies = await Promise.all(Array.from({ length: 10 }, () => exchange(token)));
    expect(replies.map((reply) => reply.status).sort()).toEqual([200, ...Array(9).fill(401)]);
    expect(
      replies.filter((reply) => reply.status === 401).every((reply) => reply.body.reason === 'Replayed'),
    ).toBe(true);
  });

  it.each([
    ['AudienceMismatch', () => claims({ aud: 'default.other-host.example' }), 'want <tenant>.steward.test'],
    [
      'MultipleAudiences',
      () => claims({ aud: [AUDIENCE, 'sts.amazonaws.com'] }),
      'want exactly one audience',
    ],
    [
      'Expired',
      () => claims({ iat: Math.floor(Date.now() / 1000) - 900, exp: Math.floor(Date.now() / 1000) - 60 }),
      'expired at',
    ],
    ['NotYetValid', () => claims({ nbf: Math.floor(Date.now() / 1000) + 600 }), 'not valid before'],
    ['IssuedInFuture', () => claims({ iat: Math.floor(Date.now() / 1000) + 600 }), 'in the future'],
    ['MissingClaim', () => claims({ jti: undefined }), 'jti'],
    ['EventNotAllowed', () => claims({ event_name: 'pull_request_target' }), 'pull_request_target'],
  ])('refuses with %s', async (reason, make, says) => {
    const refusal = await refused(await issuer.token(make()), reason);
    expect(refusal.message).toContain(says);
  });

  it('refuses a token of an issuer no policy trusts, naming the trusted ones', async () => {
    const refusal = await refused(await stranger.token(jobClaims(stranger.url, AUDIENCE)), 'IssuerMismatch');
    expect(refusal.message).toContain(stranger.url);
    expect(refusal.message).toContain(issuer.url);
  });

  it('refuses alg none, HS256 keyed with the public key, a tampered payload and another key', async () => {
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    await refused(`${part({ alg: 'none', kid: issuer.kid })}.${part(claims())}.`, 'AlgorithmNotAllowed');
    const hmac = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'HS256', kid: issuer.kid })
      .sign(new TextEncoder().encode(JSON.stringify(issuer.publicJwk)));
    await refused(hmac, 'AlgorithmNotAllowed');
    const [header, , signature] = (await issuer.token(claims())).split('.');
    await refused(
      `${header}.${part(claims({ repository: 'acme/infra', environment: 'production', ref: 'refs/heads/evil' }))}.${signature}`,
      'BadSignature',
    );
    const forged = await stranger.token(claims(), { kid: issuer.kid });
    await refused(forged, 'BadSignature');
  });

  it('names the closest policy and each rule that differed when none matches', async () => {
    const refusal = await refused(
      await issuer.token(claims({ repository: 'acme/infra-fork' })),
      'NoPolicyMatched',
    );
    expect(refusal.message).toContain('closest "infra-prod"');
    expect(refusal.message).toContain('repository: want acme/infra, got acme/infra-fork');
    expect(refusal.details).toMatchObject({ check: 'policy', closest: 'infra-prod' });
  });

  it('takes a rotated key: an unknown kid refreshes the JWKS', async () => {
    const before = issuer.jwksFetches;
    await issuer.rotate(true);
    const reply = await exchange(await issuer.token(claims()));
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(issuer.jwksFetches).toBe(before + 1);
  });

  it('a minted token is revocable, acting on the next request', async () => {
    const minted = (await exchange(await issuer.token(claims()))).body;
    expect((await call(handle.server, 'GET', '/api/v1/devices', { token: minted.token })).status).toBe(200);
    const listed = await call<{ items: Array<{ id: string; type: string; subject: string }> }>(
      handle.server,
      'GET',
      '/api/v1/auth/tokens',
    );
    expect(listed.body.items.find((item) => item.id === minted.id)).toMatchObject({
      type: 'oidc',
      subject: 'repo:acme/infra:environment:production',
    });
    expect((await call(handle.server, 'DELETE', `/api/v1/auth/tokens/${minted.id}`)).status).toBe(200);
    const after = await call<Refusal>(handle.server, 'GET', '/api/v1/devices', { token: minted.token });
    expect(after.status).toBe(401);
    expect(after.body.message).toContain('revoked');
  });
});

describe('deleting a TrustPolicy', () => {
  it('revokes the live tokens it minted, on the next request, and no more are minted', async () => {
    const applied = await apply([
      policy('short-lived', {
        issuer: issuer.url,
        claims: { repository_owner_id: '123456', repository: 'acme/ephemeral' },
        permissions: ['devices:read'],
      }),
    ]);
    expect(applied.status).toBe(200);
    await ready('short-lived');
    const make = async () => issuer.token(claims({ repository: 'acme/ephemeral' }));
    const minted = (await exchange(await make())).body;
    expect(minted.policy).toBe('short-lived');
    expect((await call(handle.server, 'GET', '/api/v1/devices', { token: minted.token })).status).toBe(200);
    expect((await call(handle.server, 'DELETE', '/api/v1/trustpolicies/short-lived')).status).toBe(200);
    const after = await call<Refusal>(handle.server, 'GET', '/api/v1/devices', { token: minted.token });
    expect(after.status).toBe(401);
    expect(after.body.message).toContain('revoked');
    await refused(await make(), 'NoPolicyMatched');
  });
});

describe('a policy changed or deleted during an exchange', () => {
  it('mints nothing when the policy is not at the generation the exchange chose it at', async () => {
    const tokens = handle.server.services.federation.tokens;
    const policyRow = await handle.server.services.store.get({
      tenant: 'default',
      kind: 'TrustPolicy',
      name: 'infra-read',
    });
    const request = {
      tenant: 'default',
      type: 'oidc' as const,
      policy: 'infra-read',
      subject: 'repo:acme/infra',
      permissions: ['devices:read'],
      lifetimeSeconds: 60,
      record: { operation: 'auth.exchange', kind: 'TrustPolicy', name: 'infra-read', result: 'success' },
    };
    const context = {
      tenant: 'default',
      actor: { type: 'oidc' as const, id: 'x', name: 'x' },
      requestId: 'r',
      authorize: () => undefined,
    };
    const stale = await tokens.mint(
      { ...request, policyGeneration: (policyRow?.generation ?? 0) + 1 },
      context,
    );
    expect(stale).toEqual({ refused: 'PolicyChanged' });
    const gone = await tokens.mint({ ...request, policy: 'no-such-policy', policyGeneration: 1 }, context);
    expect(gone).toEqual({ refused: 'PolicyChanged' });
    const current = await tokens.mint({ ...request, policyGeneration: policyRow?.generation ?? 0 }, context);
    expect(current).toMatchObject({ token: expect.stringMatching(/^stt_/) });
  });

  it('refuses a policy granting trustpolicies:write: a token could write policies for itself', async () => {
    const reply = await apply([
      policy('self-perpetuating', {
        issuer: issuer.url,
        claims: { repository_owner_id: '123456', repository: 'acme/infra' },
        permissions: ['trustpolicies:read', 'trustpolicies:write'],
      }),
    ]);
    expect(reply.status).toBe(422);
    expect(JSON.stringify(reply.body)).toContain('cannot be granted by a policy');
  });
});

describe('POST /api/v1/trustpolicies/explain', () => {
  it('never fetches keys from an issuer no policy of the tenant trusts', async () => {
    const before = stranger.jwksFetches;
    const reply = await call<{ tokenChecks: Array<{ check: string; ok: boolean | null; message?: string }> }>(
      handle.server,
      'POST',
      '/api/v1/trustpolicies/explain',
      { body: { token: await stranger.token(jobClaims(stranger.url, AUDIENCE), { kid: 'made-up' }) } },
    );
    expect(reply.status).toBe(200);
    expect(reply.body.tokenChecks.at(-1)).toMatchObject({ check: 'signature', ok: null });
    expect(reply.body.tokenChecks.at(-1)?.message).toContain(
      'no trust policy of this tenant trusts the issuer',
    );
    expect(stranger.jwksFetches).toBe(before);
  });

  it('answers for every policy which rules matched and which did not, and the one an exchange would pick', async () => {
    const reply = await call<{
      chosen: string | null;
      message: string;
      policies: Array<{ name: string; matched: string[]; mismatched: Array<{ rule: string }> }>;
    }>(handle.server, 'POST', '/api/v1/trustpolicies/explain', {
      body: { claims: claims({ environment: 'staging' }) },
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.chosen).toBe('infra-read');
    const prod = reply.body.policies.find((entry) => entry.name === 'infra-prod');
    expect(prod?.mismatched.map((entry) => entry.rule)).toEqual(['environment']);
    expect(prod?.matched).toContain('repository');
  });

  it.each([
    'repository_owner',
    'repository_owner_id',
    'repository',
    'job_workflow_ref',
    'ref',
    'environment',
  ])('reports %s mismatching on its own', async (rule) => {
    const reply = await call<{
      policies: Array<{ name: string; mismatched: Array<{ rule: string; want: string; got: string }> }>;
    }>(handle.server, 'POST', '/api/v1/trustpolicies/explain', {
      body: { claims: claims({ [rule]: 'something-else' }) },
    });
    const prod = reply.body.policies.find((entry) => entry.name === 'infra-prod');
    expect(prod?.mismatched).toEqual([expect.objectContaining({ rule, got: 'something-else' })]);
  });

  it('explains a token with its checks, without using it up', async () => {
    const token = await issuer.token(claims());
    const reply = await call<{ chosen: string; tokenChecks: Array<{ check: string; ok: boolean }> }>(
      handle.server,
      'POST',
      '/api/v1/trustpolicies/explain',
      { body: { token } },
    );
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.chosen).toBe('infra-prod');
    expect(reply.body.tokenChecks.every((check) => check.ok)).toBe(true);
    expect(reply.body.tokenChecks.map((check) => check.check)).toEqual([
      'format',
      'signature',
      'issuer',
      'audience',
      'lifetime',
      'replay',
      'event',
    ]);
    expect((await exchange(token)).status).toBe(200);
    const again = await call<{ tokenChecks: Array<{ check: string; ok: boolean; reason?: string }> }>(
      handle.server,
      'POST',
      '/api/v1/trustpolicies/explain',
      { body: { token } },
    );
    expect(again.body.tokenChecks.at(-1)).toMatchObject({ check: 'replay', ok: false, reason: 'Replayed' });
  });

  it('refuses a body with neither claims nor token', async () => {
    const reply = await call(handle.server, 'POST', '/api/v1/trustpolicies/explain', { body: {} });
    expect(reply.status).toBe(422);
  });
});

describe('GET /api/v1/auth/oidc', () => {
  it("answers the tenant's audience and a workflow for a policy", async () => {
    const reply = await call<{ audience: string; tokenUrl: string; snippet: string }>(
      handle.server,
      'GET',
      '/api/v1/auth/oidc?policy=infra-prod',
    );
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.audience).toBe(AUDIENCE);
    expect(reply.body.tokenUrl).toBe('https://steward.test/api/v1/auth/oidc/token');
    expect(reply.body.snippet).toContain('id-token: write');
    expect(reply.body.snippet).toContain(AUDIENCE);
    expect((await call(handle.server, 'GET', '/api/v1/auth/oidc?policy=nope')).status).toBe(404);
  });
});

describe('policies, audiences and tokens are per tenant', () => {
  let otherAdmin: string;
  beforeAll(async () => {
    const created = await call(handle.server, 'POST', '/api/v1/tenants', {
      body: { name: 'globex', admin: { username: 'gina', password: 'a long enough password' } },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    otherAdmin = await loginToken(handle.server, 'gina', 'a long enough password', 'globex');
  });

  it("another tenant's audience is not trusted by this tenant's policies", async () => {
    const refusal = await refused(
      await issuer.token(claims({ aud: 'globex.steward.test' })),
      'IssuerMismatch',
    );
    expect(refusal.message).toContain('tenant globex has no Ready trust policy');
  });

  it('another tenant sees neither the policies nor the tokens, and has its own audience', async () => {
    const explained = await call<{ policies: unknown[]; chosen: string | null }>(
      handle.server,
      'POST',
      '/api/v1/trustpolicies/explain',
      {
        body: { claims: claims() },
        token: otherAdmin,
      },
    );
    expect(explained.body).toMatchObject({ policies: [], chosen: null });
    const audience = await call<{ audience: string }>(handle.server, 'GET', '/api/v1/auth/oidc', {
      token: otherAdmin,
    });
    expect(audience.body.audience).toBe('globex.steward.test');
    const minted = (await exchange(await issuer.token(claims()))).body;
    const listed = await call<{ items: Array<{ id: string }> }>(handle.server, 'GET', '/api/v1/auth/tokens', {
      token: otherAdmin,
    });
    expect(listed.body.items.map((item) => item.id)).not.toContain(minted.id);
    expect(
      (await call(handle.server, 'DELETE', `/api/v1/auth/tokens/${minted.id}`, { token: otherAdmin })).status,
    ).toBe(404);
    const devices = await call<{ items: unknown[] }>(handle.server, 'GET', '/api/v1/devices', {
      token: minted.token,
    });
    expect(devices.status).toBe(200);
  });
});

describe('a policy never grants more than its author holds', () => {
  it('refuses, naming each permission, a policy applied by a key that lacks them', async () => {
    const key = await call<{ key: string }>(handle.server, 'POST', '/api/v1/keys', {
      body: {
        type: 'fine-grained',
        name: 'policy-author',
        permissions: ['trustpolicies:read', 'trustpolicies:write', 'devices:read'],
      },
    });
    expect(key.status, JSON.stringify(key.body)).toBe(201);
    const reply = await apply(
      [
        policy('too-broad', {
          issuer: issuer.url,
          claims: { repository: 'acme/infra' },
          permissions: ['devices:read', 'devices:write', 'keys:write'],
        }),
      ],
      key.body.key,
    );
    expect(reply.status).toBe(422);
    const text = JSON.stringify(reply.body);
    expect(text).toContain('/spec/permissions/1');
    expect(text).toContain('not held by the credential applying this policy');
    expect(text).toContain('/spec/permissions/2');
    expect(text).toContain('session-only');
    expect((await call(handle.server, 'GET', '/api/v1/trustpolicies/too-broad')).status).toBe(404);
  });
});
