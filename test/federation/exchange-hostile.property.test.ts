/**
 * No token is a server fault: random JWT-shaped input (any JSON header and payload, any claim
 * types, random x5c entries, random signatures) at both exchanges and at explain answers a 4xx
 * Status naming a reason, never a 5xx, and mints nothing.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply, caManifest, readyOf, rootSpec, usePkiServer, waitFor } from '../pki/pki-server.js';
import { type LocalIssuer, startLocalIssuer } from './local-issuer.js';

// Ready policies of both types, so that random tokens reach the signature and chain checks.
const suite = usePkiServer({ env: { STEWARD_OIDC_HTTP_LOOPBACK: 'true' } });
let issuer: LocalIssuer;

beforeAll(async () => {
  issuer = await startLocalIssuer();
  await apply(suite, [
    caManifest('clients', rootSpec('Clients')),
    {
      apiVersion: 'steward.dev/v1',
      kind: 'TrustPolicy',
      metadata: { name: 'oidc' },
      spec: { issuer: issuer.url, claims: { repository: 'acme/infra' }, permissions: ['devices:read'] },
    },
    {
      apiVersion: 'steward.dev/v1',
      kind: 'TrustPolicy',
      metadata: { name: 'x509' },
      spec: { type: 'x509', x509: { caRef: { name: 'clients' } }, permissions: ['devices:read'] },
    },
  ]);
  for (const name of ['oidc', 'x509'])
    await waitFor(suite, name, (resource) => readyOf(resource)?.status === 'True', { kind: 'TrustPolicy' });
});

afterAll(async () => {
  await issuer?.close();
});
const RUNS = Number(process.env.STEWARD_FC_RUNS ?? 300);

const part = (value: unknown) => Buffer.from(JSON.stringify(value) ?? 'null').toString('base64url');
const claimValue = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.constant('default.steward.test'),
  fc.constant(null).map(() => issuer.url),
);
const header = fc.record(
  {
    alg: fc.constantFrom('RS256', 'ES256', 'EdDSA', 'none', 'HS256', 'PS512', 'foo'),
    kid: fc.oneof(fc.string(), fc.integer(), fc.constant('key-1')),
    x5c: fc.oneof(fc.array(fc.base64String({ maxLength: 200 }), { maxLength: 4 }), fc.string(), fc.integer()),
    typ: fc.string(),
  },
  { requiredKeys: [] },
);
const payload = fc.dictionary(
  fc.constantFrom('iss', 'aud', 'exp', 'nbf', 'iat', 'jti', 'sub', 'repository', 'event_name', 'environment'),
  claimValue,
);
const token = fc.oneof(
  fc
    .tuple(header, payload, fc.base64String({ maxLength: 100 }))
    .map(([h, p, signature]) => `${part(h)}.${part(p)}.${signature.replace(/=/g, '')}`),
  // Addressed to the tenant and its trusted issuer, so that the verifiers' own checks are reached.
  fc
    .tuple(header, payload, fc.base64String({ maxLength: 100 }))
    .map(
      ([h, p, signature]) =>
        `${part(h)}.${part({ ...p, aud: 'default.steward.test', iss: issuer.url })}.${signature.replace(/=/g, '')}`,
    ),
  fc.string({ maxLength: 300 }),
  fc
    .tuple(fc.json(), fc.json())
    .map(([h, p]) => `${Buffer.from(h).toString('base64url')}.${Buffer.from(p).toString('base64url')}.`),
);

describe('hostile tokens at the exchanges', () => {
  it('answer a 4xx Status, never a 5xx, and mint nothing', async () => {
    let address = 0;
    const reasons = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        token,
        fc.constantFrom('/api/v1/auth/oidc/token', '/api/v1/auth/x5c/token'),
        async (jwt, url) => {
          const response = await suite.server.app.inject({
            method: 'POST',
            url,
            // A new source address per request, so the refusal limit never hides a check.
            remoteAddress: `10.${(address >> 16) & 255}.${(address >> 8) & 255}.${address++ & 255}`,
            headers: { 'content-type': 'application/json' },
            payload: JSON.stringify({ token: jwt }),
          });
          expect(response.statusCode, response.body).toBeGreaterThanOrEqual(400);
          expect(response.statusCode, response.body).toBeLessThan(500);
          const body = JSON.parse(response.body) as { kind: string; reason: string; message: string };
          expect(body.kind).toBe('Status');
          expect(body.reason).toMatch(/^[A-Z][A-Za-z]+$/);
          reasons.add(`${url.includes('x5c') ? 'x5c' : 'oidc'} ${body.reason}`);
        },
      ),
      { numRuns: RUNS },
    );
    // The random tokens reached the verifiers' own checks, not only the tenant and issuer lookups.
    expect(
      [...reasons].filter((reason) => /^x5c (MissingCertificateChain|MalformedCertificate)$/.test(reason)),
    ).not.toEqual([]);
    expect(
      [...reasons].filter((reason) =>
        /^oidc (AlgorithmNotAllowed|UnknownKey|MalformedToken|BadSignature)$/.test(reason),
      ),
    ).not.toEqual([]);
    const minted = await suite.server.services.db
      .knex('credentials')
      .whereIn('type', ['oidc', 'x509'])
      .count({ n: '*' });
    expect(Number(minted[0].n)).toBe(0);
  });
});
