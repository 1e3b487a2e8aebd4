/**
 * The simulated fleet against a real Steward: enrollment over mTLS, check-in rounds, a log
 * request answered with an upload, the timed loop stopping on its signal; and the pure parts
 * (latency percentiles, error code names).
 */
import { Code, ConnectError } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { codeName, LatencyHistogram, SimulatedFleet } from '../../src/device-agent/fleet.js';
import { usePkiServer } from '../pki/pki-server.js';
import { call } from '../support/server.js';
import { deviceCa, enrollToken } from '../device-api/device-fleet.js';

describe('LatencyHistogram', () => {
  it('answers percentiles within 1% of the exact ones', () => {
    const histogram = new LatencyHistogram();
    for (let ms = 1; ms <= 1000; ms++) histogram.record(ms);
    const { count, p50, p99, max } = histogram.summary();
    expect(count).toBe(1000);
    expect(p50).toBeGreaterThanOrEqual(500);
    expect(p50).toBeLessThanOrEqual(505);
    expect(p99).toBeGreaterThanOrEqual(990);
    expect(p99).toBeLessThanOrEqual(1000);
    expect(max).toBe(1000);
  });

  it('answers zeros when nothing was recorded', () => {
    expect(new LatencyHistogram().summary()).toEqual({ count: 0, p50: 0, p99: 0, max: 0 });
  });
});

describe('codeName', () => {
  it.each([
    { error: new ConnectError('x', Code.ResourceExhausted), name: 'resource_exhausted' },
    { error: new ConnectError('x', Code.Unauthenticated), name: 'unauthenticated' },
    { error: new Error('socket hang up'), name: 'unknown' },
  ])('names $name', ({ error, name }) => {
    expect(codeName(error)).toBe(name);
  });
});

describe('SimulatedFleet against a real server', () => {
  const handle = usePkiServer();

  it('enrolls 5 devices, checks in 3 rounds and answers a log request with a bundle', async () => {
    await deviceCa(handle);
    const { token } = await enrollToken(handle, { maxUses: 5 });
    const api = handle.server.deviceApi!.server;
    const fleet = new SimulatedFleet({
      url: api.url,
      trustPem: api.trustPem,
      enrollToken: token,
      devices: 5,
      prefix: 'fleet',
      concurrency: 2,
    });
    try {
      await fleet.enroll();
      expect(fleet.stats()).toMatchObject({ devices: 5, enrolled: 5, errors: {} });
      expect(fleet.enrolledNames.sort()).toEqual(['fleet-1', 'fleet-2', 'fleet-3', 'fleet-4', 'fleet-5']);

      await fleet.checkInRound();
      const requested = await call<{ id: string }>(handle.server, 'POST', '/api/v1/devices/fleet-3/logs', {
        body: {},
      });
      expect(requested.status).toBe(202);
      await fleet.checkInRound();
      await fleet.checkInRound();

      const stats = fleet.stats();
      expect(stats).toMatchObject({ checkIns: 15, logUploads: 1, renewals: 0, errors: {} });
      expect(stats.checkInLatency.count).toBe(15);
      expect(stats.checkInLatency.p99).toBeGreaterThan(0);
      const logs = await call<{ items: Array<{ id: string; state: string; size: number }> }>(
        handle.server,
        'GET',
        '/api/v1/devices/fleet-3/logs',
      );
      expect(logs.body.items).toEqual([
        expect.objectContaining({ id: requested.body.id, state: 'uploaded', size: 4096 }),
      ]);
    } finally {
      fleet.close();
    }
  });

  it('keeps checking in on its timer until the signal aborts, and counts refusals by code', async () => {
    await deviceCa(handle);
    const { token } = await enrollToken(handle, { maxUses: 2 });
    const api = handle.server.deviceApi!.server;
    // Three devices, two uses: the third is refused at enrollment and retried by the loop.
    const fleet = new SimulatedFleet({
      url: api.url,
      trustPem: api.trustPem,
      enrollToken: token,
      devices: 3,
      prefix: 'loop',
      checkInIntervalMs: 50,
    });
    try {
      await fleet.enroll();
      const stopped = AbortSignal.timeout(600);
      await fleet.run(stopped);
      const stats = fleet.stats();
      expect(stats.enrolled).toBe(2);
      expect(stats.checkIns).toBeGreaterThanOrEqual(10);
      expect(stats.errors['enroll unauthenticated']).toBeGreaterThanOrEqual(2);
    } finally {
      fleet.close();
    }
  });
});
