/**
 * TrustPolicy readiness end to end (issue #16, item 1), against a real local issuer: a loopback
 * HTTP server serving discovery documents and JWKS made with jose, on a fake clock so that the
 * JWKS cache lifetime can pass. Nothing here reaches the internet.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredResource } from '../../src/resources/model.js';
import { ManualClock } from '../engine/manual-clock.js';
import { caManifest, readyOf, rootSpec, settle, usePkiServer, waitFor } from '../pki/pki-server.js';
import { call } from '../support/server.js';

/** What the local issuer serves under each path prefix (one issuer a test, so caches never collide). */
interface Served {
  discovery?: (issuer: string) => unknown;
  jwks?: () => unknown;
  cacheControl?: string;
  raw?: string;
}

const served = new Map<string, Served>();
const fetches: string[] = [];
let issuerServer: Server;
let base: string;

function jwksOf(...keys: JWK[]) {
  return { keys };
}

async function signingKey(kid: string, alg: 'RS256' | 'ES256' = 'ES256'): Promise<JWK> {
  const { publicKey } = await generateKeyPair(alg);
  return { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
}

const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
const handle = usePkiServer({ clock, env: { STEWARD_OIDC_HTTP_LOOPBACK: 'true' } });

beforeAll(async () => {
  issuerServer = createServer((request, response) => {
    const url = request.url ?? '';
    fetches.push(url);
    const [, name, ...rest] = url.split('/');
    const what = served.get(name);
    const issuer = `${base}/${name}`;
    const path = `/${rest.join('/')}`;
    if (!what) return void response.writeHead(404).end();
    if (what.raw !== undefined && path === '/.well-known/openid-configuration')
      return void response.writeHead(200, { 'content-type': 'application/json' }).end(what.raw);
    const body =
      path === '/.well-known/openid-configuration'
        ? (what.discovery ?? ((iss: string) => ({ issuer: iss, jwks_uri: `${iss}/jwks` })))(issuer)
        : path === '/jwks'
          ? what.jwks?.()
          : undefined;
    if (body === undefined) return void response.writeHead(404).end();
    response
      .writeHead(200, {
        'content-type': 'application/json',
        ...(what.cacheControl ? { 'cache-control': what.cacheControl } : {}),
      })
      .end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => issuerServer.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(issuerServer.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => issuerServer.close(resolve));
});

function policy(name: string, spec: Record<string, unknown>) {
  return { apiVersion: 'steward.dev/v1', kind: 'TrustPolicy', metadata: { name }, spec };
}

function oidcPolicy(name: string, issuer: string) {
  return policy(name, {
    issuer,
    claims: { repository_owner: 'acme' },
    permissions: ['devices:read'],
  });
}

async function applyOk(manifests: unknown[], token?: string) {
  const reply = await call(handle.server, 'POST', '/api/v1/apply', { body: manifests, token });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
}

/** Waits for the policy's Ready condition to have `reason` at its current generation. */
async function readyWith(name: string, reason: string): Promise<StoredResource> {
  const found = await waitFor(
    handle,
    name,
    (resource) =>
      readyOf(resource)?.reason === reason && resource?.status.observedGeneration === resource?.generation,
    { kind: 'TrustPolicy' },
  );
  return found as StoredResource;
}

describe('TrustPolicy type oidc', () => {
  it('is Ready with the key ids, the JWKS address and the cache times', async () => {
    const keys = [await signingKey('k1'), await signingKey('k2', 'RS256')];
    served.set('good', { jwks: () => jwksOf(...keys), cacheControl: 'public, max-age=3600' });
    await applyOk([oidcPolicy('good', `${base}/good`)]);
    const resource = await readyWith('good', 'KeysDiscovered');
    expect(readyOf(resource)?.status).toBe('True');
    expect(resource.status).toMatchObject({
      jwksUri: `${base}/good/jwks`,
      keyIds: ['k1', 'k2'],
      keysFetchedAt: new Date(clock.now()).toISOString(),
      keysExpireAt: new Date(clock.now() + 3_600_000).toISOString(),
    });
  });

  it('reports an issuer that cannot be reached as IssuerUnreachable', async () => {
    await applyOk([oidcPolicy('unreachable', 'http://127.0.0.1:1/nobody')]);
    const resource = await readyWith('unreachable', 'IssuerUnreachable');
    expect(readyOf(resource)?.message).toContain(
      'http://127.0.0.1:1/nobody/.well-known/openid-configuration',
    );
  });

  it('reports an issuer answering an HTTP error as IssuerUnreachable', async () => {
    await applyOk([oidcPolicy('missing', `${base}/nothing-served-here`)]);
    expect(readyOf(await readyWith('missing', 'IssuerUnreachable'))?.message).toContain('HTTP 404');
  });

  it('reports a discovery document that is not JSON as DiscoveryInvalid', async () => {
    served.set('garbled', { raw: '<html>hello</html>' });
    await applyOk([oidcPolicy('garbled', `${base}/garbled`)]);
    expect(readyOf(await readyWith('garbled', 'DiscoveryInvalid'))?.message).toContain('did not answer JSON');
  });

  it('reports a discovery document naming another issuer as DiscoveryInvalid', async () => {
    served.set('impostor', {
      discovery: () => ({
        issuer: 'https://token.actions.githubusercontent.com',
        jwks_uri: `${base}/impostor/jwks`,
      }),
      jwks: () => jwksOf(),
    });
    await applyOk([oidcPolicy('impostor', `${base}/impostor`)]);
    expect(readyOf(await readyWith('impostor', 'DiscoveryInvalid'))?.message).toContain(
      'names the issuer "https://token.actions.githubusercontent.com"',
    );
  });

  it('reports a discovery document without jwks_uri as DiscoveryInvalid', async () => {
    served.set('nojwks', { discovery: (issuer) => ({ issuer }) });
    await applyOk([oidcPolicy('nojwks', `${base}/nojwks`)]);
    expect(readyOf(await readyWith('nojwks', 'DiscoveryInvalid'))?.message).toContain('has no jwks_uri');
  });

  it('reports a JWKS with only HMAC and encryption keys as NoUsableKeys', async () => {
    const encryption = { ...(await signingKey('enc')), use: 'enc' };
    served.set('hmac', { jwks: () => jwksOf({ kty: 'oct', kid: 'h', k: 'c2VjcmV0' }, encryption) });
    await applyOk([oidcPolicy('hmac', `${base}/hmac`)]);
    expect(readyOf(await readyWith('hmac', 'NoUsableKeys'))?.message).toContain('lists 2 key(s), none');
  });

  it('sees a key rotation once the cache lifetime has passed, and refreshes on an unknown kid at most once a minute', async () => {
    let current = [await signingKey('old')];
    served.set('rotating', { jwks: () => jwksOf(...current), cacheControl: 'max-age=600' });
    await applyOk([oidcPolicy('rotating', `${base}/rotating`)]);
    const before = await readyWith('rotating', 'KeysDiscovered');
    expect(before.status.keyIds).toEqual(['old']);

    current = [await signingKey('new')];
    // Within the lifetime the cached keys stand.
    clock.advance(60_000);
    await settle(handle);
    const jwks = handle.server.services.jwks;
    const issuer = `${base}/rotating`;
    const result = await jwks.keysFor(issuer);
    expect(result.ok && result.keys.keyIds).toEqual(['old']);

    // The reconciler comes back at 90% of the 10 minutes and sees the new key.
    clock.advance(540_000);
    await settle(handle);
    const after = await waitFor(
      handle,
      'rotating',
      (resource) => JSON.stringify(resource?.status.keyIds) === '["new"]',
      { kind: 'TrustPolicy' },
    );
    expect(readyOf(after)?.status).toBe('True');

    // An unknown kid refreshes the JWKS once; a second unknown kid within the minute does not.
    current = [await signingKey('newer')];
    const count = () => fetches.filter((url) => url === '/rotating/jwks').length;
    const fetched = count();
    expect(await jwks.keyFor(issuer, 'newer')).toMatchObject({ kid: 'newer' });
    expect(count()).toBe(fetched + 1);
    expect(await jwks.keyFor(issuer, 'made-up')).toBeUndefined();
    expect(count()).toBe(fetched + 1);
    clock.advance(61_000);
    expect(await jwks.keyFor(issuer, 'made-up-too')).toBeUndefined();
    expect(count()).toBe(fetched + 2);
  });
});

describe('TrustPolicy type x509', () => {
  it('is Ready with PEM anchors that are CA certificates, and says which anchor is not', async () => {
    await applyOk([caManifest('anchor-source', rootSpec('Anchor Source'))]);
    const ca = await waitFor(handle, 'anchor-source', (r) => readyOf(r)?.status === 'True');
    const pem = ca?.status.certificate as string;
    await applyOk([
      policy('pem-anchors', { type: 'x509', x509: { anchors: [pem] }, permissions: ['devices:read'] }),
    ]);
    const resource = await readyWith('pem-anchors', 'AnchorsValid');
    expect(resource.status.anchors).toEqual([expect.stringContaining('CN=Anchor Source')]);

    await applyOk([
      policy('bad-anchor', {
        type: 'x509',
        x509: { anchors: [pem, 'not a pem'] },
        permissions: ['devices:read'],
      }),
    ]);
    expect(readyOf(await readyWith('bad-anchor', 'AnchorInvalid'))?.message).toContain('x509.anchors[1]');
  });

  it('waits for a referenced CertificateAuthority, and is Ready once it is', async () => {
    await applyOk([
      policy('ca-ref', {
        type: 'x509',
        x509: { caRef: { name: 'ci-clients' } },
        permissions: ['devices:read'],
      }),
    ]);
    expect(readyOf(await readyWith('ca-ref', 'CertificateAuthorityNotReady'))?.message).toBe(
      'CertificateAuthority "ci-clients" does not exist',
    );
    // Creating the CA wakes the policy through the reference index.
    await applyOk([caManifest('ci-clients', rootSpec('CI Clients'))]);
    const resource = await readyWith('ca-ref', 'AnchorsValid');
    expect(resource.status.anchors).toEqual([expect.stringContaining('CN=CI Clients')]);

    // The CA cannot be deleted from under the policy: the refusal names it.
    const deleted = await call<{ message: string }>(
      handle.server,
      'DELETE',
      '/api/v1/certificateauthorities/ci-clients',
    );
    expect(deleted.status).toBe(409);
    expect(deleted.body.message).toContain('TrustPolicy "ca-ref"');
    // Deleted together, in one request, both go.
    const both = await call(handle.server, 'POST', '/api/v1/delete', {
      body: [
        { apiVersion: 'steward.dev/v1', kind: 'TrustPolicy', metadata: { name: 'ca-ref' } },
        { apiVersion: 'steward.dev/v1', kind: 'CertificateAuthority', metadata: { name: 'ci-clients' } },
      ],
    });
    expect(both.status, JSON.stringify(both.body)).toBe(200);
  });
});

describe('TrustPolicy at apply', () => {
  it('refuses every permission problem at once, pointing at each', async () => {
    const reply = await call(handle.server, 'POST', '/api/v1/apply', {
      body: [
        oidcPolicy('fine', `${base}/good`),
        policy('greedy', {
          claims: { repository: 'acme/infra' },
          permissions: ['devices:read', 'keys:write', 'nope:read'],
        }),
      ],
    });
    expect(reply.status).toBe(422);
    expect((reply.body as { details: { causes: unknown[] } }).details.causes).toEqual([
      expect.objectContaining({
        pointer: '/spec/permissions/1',
        message: '"keys:write" is session-only: a token minted by a policy can never hold it',
      }),
      expect.objectContaining({
        pointer: '/spec/permissions/2',
        message: '"nope:read" is not a Steward permission',
      }),
    ]);
    expect(
      await handle.server.services.store.get({ tenant: 'default', kind: 'TrustPolicy', name: 'fine' }),
    ).toBeNull();
  });

  it('refuses a policy granting more than the applying credential holds', async () => {
    const created = await call<{ key: string }>(handle.server, 'POST', '/api/v1/keys', {
      body: {
        type: 'fine-grained',
        name: 'policy-author',
        permissions: ['trustpolicies:write', 'devices:read'],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const key = created.body.key;
    const broad = policy('broad', {
      claims: { repository_owner: 'acme' },
      permissions: ['devices:read', 'rollouts:approve'],
    });
    const refused = await call(handle.server, 'POST', '/api/v1/apply', { body: [broad], token: key });
    expect(refused.status).toBe(422);
    expect(JSON.stringify(refused.body)).toContain(
      '\\"rollouts:approve\\" is not held by the credential applying this policy',
    );
    await applyOk(
      [policy('narrow', { claims: { repository_owner: 'acme' }, permissions: ['devices:read'] })],
      key,
    );
  });

  it('refuses an OIDC policy pinning no owner or repository, and a session longer than an hour, together', async () => {
    const reply = await call(handle.server, 'POST', '/api/v1/apply', {
      body: [
        policy('loose', {
          claims: { ref: 'refs/heads/main' },
          maxSessionSeconds: 7200,
          permissions: ['devices:read'],
        }),
      ],
    });
    expect(reply.status).toBe(422);
    const pointers = (reply.body as { details: { causes: Array<{ pointer: string }> } }).details.causes.map(
      (cause) => cause.pointer,
    );
    expect(pointers.sort()).toEqual(['/spec/claims', '/spec/maxSessionSeconds']);
  });
});
