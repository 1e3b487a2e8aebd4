/**
 * The end-to-end rollout with the simulated fleet: 200 devices over mTLS, a 5 % install failure
 * rate, three waves, an approval gate before the second. The fleet runs on its own timers (as
 * `steward simulate` does); a person approves when asked; the rollout completes, and its counts
 * equal what the devices reported: every device assigned once, none skipped.
 */
import { describe, expect, it } from 'vitest';
import { SimulatedFleet } from '../../src/device-agent/fleet.js';
import type { SigningKey } from '../../src/device-agent/signing-keyring.js';
import { deviceCa, enrollToken } from '../device-api/device-fleet.js';
import { apply, usePkiServer } from '../pki/pki-server.js';
import { call } from '../support/server.js';
import { artifactManifest, rolloutManifest, rolloutWhere } from './support.js';

const handle = usePkiServer();
const DEVICES = 200;

/** A seeded generator (mulberry32): the same failures on every run. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('a rollout to a simulated fleet of 200 devices', () => {
  it('three waves, 5 % failures, an approval gate: Completed, counts equal to the reports', {
    timeout: 120_000,
  }, async () => {
    await deviceCa(handle);
    const { token } = await enrollToken(handle, { maxUses: DEVICES, labels: { fleet: 'e2e' } });
    const api = handle.server.deviceApi?.server;
    if (!api) throw new Error('no device API');
    const fleet = new SimulatedFleet({
      url: api.url,
      trustPem: api.trustPem,
      enrollToken: token,
      devices: DEVICES,
      prefix: 'e2e',
      failureRate: 0.05,
      random: seeded(15),
      checkInIntervalMs: 1_000,
      signingKeys: async () =>
        (
          await call<{ items: SigningKey[] }>(handle.server, 'GET', '/api/v1/signing-keys', {
            token: handle.token,
          })
        ).body.items,
    });
    await fleet.enroll();
    expect(fleet.enrolledNames).toHaveLength(DEVICES);
    const running = new AbortController();
    const run = fleet.run(running.signal);
    try {
      await apply(handle, [
        artifactManifest('e2e-agent', '5.0.0'),
        rolloutManifest('e2e', 'e2e-agent', 'e2e', {
          waves: [{ percent: 5 }, { percent: 30, requireApproval: true }, { percent: 100 }],
          // 5 % fail, but which devices draw a failure depends on check-in order: 3 of the first
          // 10 (about 1 run in 80) would cross 20 %. The abort path has its own tests; this one
          // checks that the counts equal the reports.
          maxFailurePercent: 40,
          minFinishedDevices: 10,
        }),
      ]);
      const waiting = await rolloutWhere(
        handle,
        'e2e',
        (s) => s.phase === 'WaitingApproval',
        'default',
        60_000,
      );
      expect(waiting.currentWave).toBe(2);
      expect(waiting.waves?.map((wave) => wave.devices)).toEqual([10, 50, 140]);
      expect((waiting.waves?.[0].succeeded ?? 0) + (waiting.waves?.[0].failed ?? 0)).toBeGreaterThanOrEqual(
        9,
      );
      expect(waiting.waves?.[1].assigned).toBe(0);
      const approved = await call(handle.server, 'POST', '/api/v1/rollouts/e2e/approve', {
        body: { reason: 'canaries look healthy' },
        token: handle.token,
      });
      expect(approved.status).toBe(200);
      await rolloutWhere(
        handle,
        'e2e',
        (s) => s.phase === 'Completed' || s.phase === 'Aborted',
        'default',
        60_000,
      );
      // Reports still in flight settle before the counts are compared.
      running.abort();
      await run;
      const done = await rolloutWhere(handle, 'e2e', () => true);
      expect(done.phase).toBe('Completed');
      const stats = fleet.stats();
      expect(stats.updatesRefused).toBe(0);
      expect(done.totals).toMatchObject({
        targeted: DEVICES,
        ineligible: 0,
        succeeded: stats.updatesSucceeded,
        failed: stats.updatesFailed,
        pending: 0,
        queued: 0,
      });
      expect(stats.updatesFailed).toBeGreaterThan(0);
      expect(stats.updatesFailed).toBeLessThan(DEVICES * 0.15);
      // Every device was told once (attempt 1) and finished once.
      const rows = await call<{ items: Array<{ state: string; attempts: number }> }>(
        handle.server,
        'GET',
        `/api/v1/rollouts/e2e/devices?limit=${DEVICES}`,
        { token: handle.token },
      );
      expect(rows.body.items).toHaveLength(DEVICES);
      expect(
        rows.body.items.every((row) => row.attempts === 1 && ['succeeded', 'failed'].includes(row.state)),
      ).toBe(true);
      const journal = await call<{
        items: Array<{ operation: string; actor: { name: string }; reason?: string }>;
      }>(handle.server, 'GET', '/api/v1/journal?kind=Rollout&name=e2e&limit=200', { token: handle.token });
      const assigned = journal.body.items
        .filter((entry) => entry.operation === 'assign')
        .reduce((sum, entry) => sum + Number(/^(\d+) devices/.exec(entry.reason ?? '')?.[1] ?? 0), 0);
      expect(assigned).toBe(DEVICES);
      expect(journal.body.items.find((entry) => entry.operation === 'approve')?.actor.name).toBe('admin');
    } finally {
      running.abort();
      await run;
      fleet.close();
    }
  });
});
