import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshSqlite, type TestDatabase } from '../support/databases.js';
import { call, device, useServer } from '../support/server.js';
import { type EngineHarness, startEngine } from './harness.js';

const reason = (resource: { status: { conditions?: Array<{ type: string; reason: string }> } } | null) =>
  resource?.status.conditions?.find((condition) => condition.type === 'Ready')?.reason;

describe('the production controllers', () => {
  let database: TestDatabase;
  let engine: EngineHarness;
  beforeAll(async () => {
    database = freshSqlite();
    engine = await startEngine(database, 'in-process');
  });
  afterAll(async () => {
    await engine?.close();
    await database?.drop();
  });

  it('DeviceGroup counts its members in SQL and follows device writes', async () => {
    await engine.apply([
      device('g-1', { team: 'infra' }),
      device('g-2', { team: 'infra' }),
      device('g-3', { team: 'web' }),
      {
        apiVersion: 'steward.dev/v1',
        kind: 'DeviceGroup',
        metadata: { name: 'infra' },
        spec: { selector: { matchLabels: { team: 'infra' } } },
      },
    ]);
    await engine.waitFor('DeviceGroup', 'infra', (group) => group?.status.count === 2);
    await engine.apply([device('g-3', { team: 'infra' })]);
    await engine.waitFor('DeviceGroup', 'infra', (group) => group?.status.count === 3);
    await engine.remove('Device', 'g-1');
    const group = await engine.waitFor('DeviceGroup', 'infra', (resource) => resource?.status.count === 2);
    expect(reason(group)).toBe('MembershipResolved');
  });

  it('Device reports its CA missing, then waits for enrollment; the CA refuses deletion while in use', async () => {
    await engine.apply([device('laptop', {}, { identity: { caRef: { name: 'fleet' } } })]);
    await engine.waitFor(
      'Device',
      'laptop',
      (resource) => reason(resource) === 'CertificateAuthorityNotFound',
    );
    await engine.apply([
      {
        apiVersion: 'steward.dev/v1',
        kind: 'CertificateAuthority',
        metadata: { name: 'fleet' },
        spec: { type: 'root', subject: { commonName: 'Fleet' } },
      },
    ]);
    // The CA gets its key and certificate; once it is Ready the device waits for enrollment.
    const ca = await engine.waitFor(
      'CertificateAuthority',
      'fleet',
      (resource) => reason(resource) === 'UpToDate',
    );
    await engine.waitFor('Device', 'laptop', (resource) => reason(resource) === 'AwaitingEnrollment');
    expect(ca?.finalizers).toEqual(['steward.dev/certificate-authority']);
    expect(await engine.remove('CertificateAuthority', 'fleet')).toBe('deleting');
    await engine.waitFor('CertificateAuthority', 'fleet', (resource) =>
      Boolean(resource?.status.conditions?.some((c) => c.type === 'Deleting' && c.reason === 'InUse')),
    );
    // The device goes: the engine wakes the CA it referenced, whose finalizer now lets go.
    await engine.remove('Device', 'laptop');
    await engine.waitFor('CertificateAuthority', 'fleet', (resource) => resource === null, 5000);
  });
});

describe('GET /metrics', () => {
  const suite = useServer();

  it('serves the Prometheus text format to a metrics:read credential, and nothing without one', async () => {
    expect((await call(suite.server, 'GET', '/metrics', { token: null })).status).toBe(401);
    const response = await call(suite.server, 'GET', '/metrics');
    expect(response.status).toBe(200);
    expect(String(response.headers['content-type'])).toContain('text/plain');
    expect(String(response.body)).toContain('steward_queue_depth{backend="in-process",state="waiting"}');
  });
});
