/**
 * `npm run bench -- federation [seconds]`: token exchanges per second, 50 concurrent clients, SQLite,
 * warm JWKS cache (issue #16, target >= 2,000 OIDC exchanges/s), with p99 and the server's CPU per
 * exchange; then the same for client-certificate (x5c) exchanges. Each token is used once (a new
 * `jti` each, RS256 like GitHub's for OIDC, ES256 client keys for x5c), signed before the clock
 * starts; the load runs in a second process (autocannon). Baseline in the same run: the same
 * exchanges with group commit off (one transaction per exchange: its replay claim, token and
 * journal entry).
 */
import { spawn } from 'node:child_process';
import {
  createPrivateKey,
  generateKeyPairSync,
  type KeyObject,
  randomUUID,
  sign,
  X509Certificate,
} from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportPKCS8 } from 'jose';
import { loadConfig } from '../src/config.js';
import { type StewardServer, startServer } from '../src/server.js';
import { jobClaims, type LocalIssuer, startLocalIssuer } from '../test/federation/local-issuer.js';
import { type AutocannonResult, BENCH_ADMIN_PASSWORD, benchLogin, line } from './_http.js';

const CONNECTIONS = 50;
const AUDIENCE = 'default.steward.bench';
/** Tokens signed per second of load: above any rate reached, so none is used twice. */
const TOKENS_PER_SECOND = 3_500;

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function jwt(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  key: KeyObject,
  ec = false,
): string {
  const input = `${b64(header)}.${b64(claims)}`;
  const signature = sign('sha256', Buffer.from(input), ec ? { key, dsaEncoding: 'ieee-p1363' } : key);
  return `${input}.${signature.toString('base64url')}`;
}

function oidcTokens(issuer: LocalIssuer, key: KeyObject, count: number): string[] {
  // A GitHub job's claims (the tests' own), living 15 minutes: past the longest run.
  const exp = Math.floor(Date.now() / 1000) + 900;
  return Array.from({ length: count }, () =>
    jwt({ alg: 'RS256', kid: issuer.kid, typ: 'JWT' }, jobClaims(issuer.url, AUDIENCE, { exp }), key),
  );
}

function x5cTokens(client: { key: KeyObject; chain: string[] }, count: number): string[] {
  const now = Math.floor(Date.now() / 1000);
  return Array.from({ length: count }, () =>
    jwt(
      { alg: 'ES256', typ: 'JWT', x5c: client.chain },
      { aud: AUDIENCE, sub: 'release-bot', iat: now, nbf: now, exp: now + 240, jti: randomUUID() },
      client.key,
      true,
    ),
  );
}

/** One load phase in a second process; the server's CPU over it per request. */
async function load(
  server: StewardServer,
  path: string,
  tokens: string[],
  seconds: number,
  directory: string,
): Promise<{ result: AutocannonResult; cpuPerRequest: number }> {
  const file = join(directory, `tokens-${randomUUID()}.txt`);
  writeFileSync(file, tokens.join('\n'));
  const before = process.cpuUsage();
  const result = await new Promise<AutocannonResult>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['bench/_token-load.mjs', `${server.url}${path}`, file, String(seconds), String(CONNECTIONS)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(stdout)) : reject(new Error(`load exited ${code}`)),
    );
  });
  const used = process.cpuUsage(before);
  return { result, cpuPerRequest: (used.user + used.system) / Math.max(1, result.requests.total) };
}

async function post(server: StewardServer, token: string, path: string, body: unknown) {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${path} answered ${response.status}: ${text.slice(0, 400)}`);
  return JSON.parse(text) as Record<string, unknown>;
}

async function waitReady(server: StewardServer, kind: string, name: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const resource = await server.services.store.get({ tenant: 'default', kind, name });
    if (resource?.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return;
    if (Date.now() > deadline) throw new Error(`${kind} ${name} did not become Ready`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export default async function run(args: string[]): Promise<void> {
  const seconds = Number(args[0] ?? 10);
  const directory = mkdtempSync(join(tmpdir(), 'steward-bench-federation-'));
  const issuer = await startLocalIssuer({ cacheControl: 'max-age=3600' });
  const server = await startServer(
    loadConfig({
      STEWARD_DATA_DIR: directory,
      STEWARD_PORT: '0',
      STEWARD_DEVICE_PORT: '0',
      STEWARD_LOG_LEVEL: 'silent',
      STEWARD_ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD,
      STEWARD_PUBLIC_URL: 'https://steward.bench',
      STEWARD_OIDC_HTTP_LOOPBACK: 'true',
    }),
    { engine: { enabled: true, resyncSeconds: 0 } },
  );
  try {
    const session = await benchLogin(server.url);
    await post(server, session, '/api/v1/apply', [
      {
        apiVersion: 'steward.dev/v1',
        kind: 'TrustPolicy',
        metadata: { name: 'infra-prod' },
        spec: {
          issuer: issuer.url,
          claims: {
            repository_owner_id: '123456',
            repository: 'acme/infra',
            job_workflow_ref: 'acme/infra/.github/workflows/deploy.yml@refs/heads/main',
            ref: 'refs/heads/main',
            environment: 'production',
          },
          permissions: ['devices:read'],
        },
      },
      {
        apiVersion: 'steward.dev/v1',
        kind: 'CertificateAuthority',
        metadata: { name: 'ci-clients' },
        spec: { type: 'root', subject: { commonName: 'CI Clients' } },
      },
      {
        apiVersion: 'steward.dev/v1',
        kind: 'TrustPolicy',
        metadata: { name: 'release-bot' },
        spec: {
          type: 'x509',
          x509: { caRef: { name: 'ci-clients' }, subject: { commonName: 'release-bot' } },
          permissions: ['artifacts:read'],
        },
      },
    ]);
    await waitReady(server, 'TrustPolicy', 'infra-prod');
    await waitReady(server, 'CertificateAuthority', 'ci-clients');
    await waitReady(server, 'TrustPolicy', 'release-bot');
    const clientKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const issued = await post(server, session, '/api/v1/certificateauthorities/ci-clients/certificates', {
      publicKey: clientKeys.publicKey.export({ type: 'spki', format: 'pem' }),
      subject: { commonName: 'release-bot' },
      profile: 'client',
    });
    const client = {
      key: clientKeys.privateKey,
      chain: [new X509Certificate(issued.certificate as string).raw.toString('base64')],
    };
    const issuerKey = createPrivateKey(await exportPKCS8(issuer.privateKey));
    const federation = server.services.federation;

    for (const [label, path, make] of [
      ['OIDC', '/api/v1/auth/oidc/token', (count: number) => oidcTokens(issuer, issuerKey, count)],
      ['x5c', '/api/v1/auth/x5c/token', (count: number) => x5cTokens(client, count)],
    ] as const) {
      const phase = async (ungrouped: boolean, phaseSeconds: number) => {
        const tokens = make(TOKENS_PER_SECOND * phaseSeconds);
        federation.tokens.ungroupedForBenchmark = ungrouped;
        try {
          return await load(server, path, tokens, phaseSeconds, directory);
        } finally {
          federation.tokens.ungroupedForBenchmark = false;
        }
      };
      await phase(false, 2); // warm-up: JIT, JWKS cache, policy directory
      const ungrouped = await phase(true, seconds);
      const grouped = await phase(false, seconds);
      console.log(
        `${line(`${label} exchange, ${CONNECTIONS} clients, SQLite, one transaction per exchange (baseline)`, ungrouped.result)}, server CPU ${ungrouped.cpuPerRequest.toFixed(0)} µs/exchange`,
      );
      console.log(
        `${line(`${label} exchange, ${CONNECTIONS} clients, SQLite, group commit`, grouped.result)}, server CPU ${grouped.cpuPerRequest.toFixed(0)} µs/exchange`,
      );
      console.log(
        `${label}: ${Math.round(grouped.result.requests.average)} exchanges/s (target >= 2000 for OIDC), group commit / baseline ${(grouped.result.requests.average / ungrouped.result.requests.average).toFixed(2)}x`,
      );
    }
  } finally {
    await server.close();
    await issuer.close();
    rmSync(directory, { recursive: true, force: true });
  }
}
