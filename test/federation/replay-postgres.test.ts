/**
 * The replay store is shared by every Steward on one PostgreSQL database: two servers (each with
 * its own memory and connection pool) given the same job token at once mint exactly one token,
 * and a token exchanged on one is refused on the other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StewardServer } from '../../src/server.js';
import { freshPostgres, type TestDatabase } from '../support/databases.js';
import { call, startTestServer } from '../support/server.js';
import { jobClaims, type LocalIssuer, startLocalIssuer } from './local-issuer.js';

const AUDIENCE = 'default.steward.test';
const ENV = { STEWARD_PUBLIC_URL: 'https://steward.test', STEWARD_OIDC_HTTP_LOOPBACK: 'true' };
let database: TestDatabase;
let issuer: LocalIssuer;
let first: StewardServer;
let second: StewardServer;

beforeAll(async () => {
  database = await freshPostgres();
  issuer = await startLocalIssuer();
  first = await startTestServer(database, { ...ENV, STEWARD_ENGINE: 'on' }, { engine: { resyncSeconds: 0 } });
  second = await startTestServer(database, ENV);
  const applied = await call(first, 'POST', '/api/v1/apply', {
    body: {
      apiVersion: 'steward.dev/v1',
      kind: 'TrustPolicy',
      metadata: { name: 'infra' },
      spec: { issuer: issuer.url, claims: { repository_owner_id: '123456' }, permissions: ['devices:read'] },
    },
  });
  expect(applied.status, JSON.stringify(applied.body)).toBe(200);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const policy = await first.services.store.get({ tenant: 'default', kind: 'TrustPolicy', name: 'infra' });
    if (policy?.status.conditions?.some((condition) => condition.status === 'True')) break;
    if (Date.now() > deadline) throw new Error('the TrustPolicy did not become Ready');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}, 60_000);

afterAll(async () => {
  await second?.close();
  await first?.close();
  await issuer?.close();
  await database?.drop();
});

const exchange = (server: StewardServer, token: string) =>
  call<{ reason?: string }>(server, 'POST', '/api/v1/auth/oidc/token', { body: { token }, token: null });

describe('two Steward servers on one PostgreSQL database', () => {
  it('mint exactly one token for a job token sent to both at once', async () => {
    for (let round = 0; round < 5; round++) {
      const token = await issuer.token(jobClaims(issuer.url, AUDIENCE));
      const replies = await Promise.all(
        Array.from({ length: 6 }, (_, index) => exchange(index % 2 === 0 ? first : second, token)),
      );
      const statuses = replies.map((reply) => reply.status).sort();
      expect(statuses).toEqual([200, 401, 401, 401, 401, 401]);
      expect(replies.filter((reply) => reply.status === 401).map((reply) => reply.body.reason)).toEqual(
        Array(5).fill('Replayed'),
      );
    }
  });

  it('refuse on one a token exchanged on the other', async () => {
    const token = await issuer.token(jobClaims(issuer.url, AUDIENCE));
    expect((await exchange(first, token)).status).toBe(200);
    const again = await exchange(second, token);
    expect(again.status).toBe(401);
    expect(again.body.reason).toBe('Replayed');
  });
});
