/**
 * A real OIDC issuer on loopback for the exchange tests: discovery and JWKS served over HTTP from
 * keys made with jose, tokens signed with SignJWT. Keys can be rotated (a new kid the cache has
 * not seen). Nothing reaches the internet.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

export interface LocalIssuer {
  /** `http://127.0.0.1:<port>`: the `iss` of its tokens. */
  readonly url: string;
  /** Current key id. */
  readonly kid: string;
  /** Signs `claims` (a GitHub job's, defaults filled) with the current key. */
  token(claims?: Record<string, unknown>, header?: Record<string, unknown>): Promise<string>;
  /** Adds a new key and makes it current (the old one stays in the JWKS unless `dropOld`). */
  rotate(dropOld?: boolean): Promise<string>;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  /** JWKS requests served so far. */
  readonly jwksFetches: number;
  close(): Promise<void>;
}

/** The claims of a GitHub Actions job token for `audience`, valid now. */
export function jobClaims(issuer: string, audience: string, overrides: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    iss: issuer,
    aud: audience,
    iat: now - 5,
    nbf: now - 5,
    exp: now + 300,
    jti: randomUUID(),
    sub: 'repo:acme/infra:environment:production',
    repository: 'acme/infra',
    repository_id: '987654',
    repository_owner: 'acme',
    repository_owner_id: '123456',
    ref: 'refs/heads/main',
    sha: 'a'.repeat(40),
    job_workflow_ref: 'acme/infra/.github/workflows/deploy.yml@refs/heads/main',
    workflow: 'deploy',
    event_name: 'push',
    environment: 'production',
    run_id: '42',
    actor: 'octocat',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined));
}

export async function startLocalIssuer(
  options: { alg?: 'RS256' | 'ES256'; audience?: string; cacheControl?: string } = {},
): Promise<LocalIssuer> {
  const alg = options.alg ?? 'RS256';
  const keys: Array<{ kid: string; privateKey: CryptoKey; jwk: JWK }> = [];
  let jwksFetches = 0;
  const addKey = async () => {
    const pair = await generateKeyPair(alg, { extractable: true });
    const kid = `key-${keys.length + 1}`;
    keys.push({
      kid,
      privateKey: pair.privateKey,
      jwk: { ...(await exportJWK(pair.publicKey)), kid, alg, use: 'sig' },
    });
    return kid;
  };
  await addKey();
  let url = '';
  const server: Server = createServer((request, response) => {
    const json = (body: unknown) =>
      response
        .writeHead(200, {
          'content-type': 'application/json',
          ...(options.cacheControl ? { 'cache-control': options.cacheControl } : {}),
        })
        .end(JSON.stringify(body));
    if (request.url === '/.well-known/openid-configuration')
      return json({ issuer: url, jwks_uri: `${url}/jwks` });
    if (request.url === '/jwks') {
      jwksFetches++;
      return json({ keys: keys.map((key) => key.jwk) });
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const current = () => keys[keys.length - 1];
  return {
    url,
    get kid() {
      return current().kid;
    },
    get privateKey() {
      return current().privateKey;
    },
    get publicJwk() {
      return current().jwk;
    },
    get jwksFetches() {
      return jwksFetches;
    },
    token(claims = {}, header = {}) {
      return new SignJWT(claims)
        .setProtectedHeader({ alg, kid: current().kid, typ: 'JWT', ...header })
        .sign(current().privateKey);
    },
    async rotate(dropOld = false) {
      const kid = await addKey();
      if (dropOld) keys.splice(0, keys.length - 1);
      return kid;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
