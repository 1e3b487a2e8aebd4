/**
 * A rollout's gates on a fake clock, with real agents: the rate limit, soak, per-device retries,
 * the failure policy (pause for a person vs abort), pause/resume/abort by people and by spec,
 * two overlapping rollouts, the fixed fields, permissions on every action and tenant isolation.
 */
import { describe, expect, it } from 'vitest';
import { UpdateState } from '../../src/device-api/gen/steward/device/v1/device_pb.js';
import { deviceCa } from '../device-api/device-fleet.js';
import { ManualClock } from '../engine/manual-clock.js';
import { apply, usePkiServer } from '../pki/pki-server.js';
import { call, loginToken } from '../support/server.js';
import { artifactManifest, checkInRound, enrolledFleet, rolloutManifest, rolloutWhere } from './support.js';

const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
const handle = usePkiServer({ clock });

/** Moves the fake clock and lets the engine's timers run. */
async function tick(seconds: number): Promise<void> {
  clock.advance(seconds * 1000);
  await new Promise((resolve) => setTimeout(resolve, 50));
}

/** Devices learn a wave's assignment within a second of real time (the check-in cache). */
const cacheExpiry = () => new Promise((resolve) => setTimeout(resolve, 1_050));

async function action(name: string, verb: string, token = handle.token, body: Record<string, unknown> = {}) {
  return call<{ message: string; detail?: string }>(
    handle.server,
    'POST',
    `/api/v1/rollouts/${name}/${verb}`,
    {
      body,
      token,
    },
  );
}

describe('rollout gates on a fake clock', () => {
  it('assigns within maxDevicesPerMinute, soaks the wave, then advances', async () => {
    await deviceCa(handle);
    const agents = await enrolledFleet(handle, 'rate', 6);
    await apply(handle, [
      artifactManifest('rate-1', '1.0.0'),
      rolloutManifest('rate', 'rate-1', 'rate', {
        waves: [{ percent: 50, soakSeconds: 600 }, { percent: 100 }],
        maxDevicesPerMinute: 2,
      }),
    ]);
    let status = await rolloutWhere(handle, 'rate', (s) => (s.waves?.[0].assigned ?? 0) === 2);
    expect(status.waves?.[0]).toMatchObject({ devices: 3, queued: 1, pending: 2 });
    expect(status.message).toMatch(/wait for the rate limit \(2\/min\)/);
    expect(await checkInRound(agents)).toHaveLength(2);
    await tick(30);
    status = await rolloutWhere(handle, 'rate', (s) => s.waves?.[0].succeeded === 2);
    expect(status.waves?.[0].queued).toBe(1);
    await tick(31);
    await rolloutWhere(handle, 'rate', (s) => s.waves?.[0].queued === 0);
    await cacheExpiry();
    expect(await checkInRound(agents)).toHaveLength(1);
    status = await rolloutWhere(handle, 'rate', (s) => s.phase === 'Soaking');
    expect(status.soakUntil).toBe(new Date(clock.now() + 600_000).toISOString());
    await tick(599);
    expect((await rolloutWhere(handle, 'rate', () => true)).phase).toBe('Soaking');
    await tick(2);
    await rolloutWhere(handle, 'rate', (s) => s.currentWave === 2 && (s.waves?.[1].assigned ?? 0) === 2);
    await tick(61);
    await rolloutWhere(handle, 'rate', (s) => s.waves?.[1].queued === 0);
    await cacheExpiry();
    expect(await checkInRound(agents)).toHaveLength(3);
    const done = await rolloutWhere(handle, 'rate', (s) => s.phase === 'Completed');
    expect(done.totals).toMatchObject({ targeted: 6, succeeded: 6, failed: 0, pending: 0 });
    for (const device of agents) device.close();
  });

  it('retries a failed device, pauses past the failure threshold, resumes accepting the failures', async () => {
    await deviceCa(handle);
    const agents = await enrolledFleet(handle, 'retry', 4);
    await apply(handle, [
      artifactManifest('retry-1', '1.0.0'),
      rolloutManifest('retry', 'retry-1', 'retry', {
        waves: [{ percent: 100, successThreshold: 75 }],
        retries: 1,
        maxFailurePercent: 20,
        onFailure: 'pause',
      }),
    ]);
    await rolloutWhere(handle, 'retry', (s) => s.totals?.assigned === 4);
    const unlucky = agents[0].deviceName;
    const fails = (device: { deviceName?: string }) =>
      device.deviceName === unlucky ? UpdateState.FAILED : UpdateState.SUCCEEDED;
    // The first failure is retried: the same assignment comes back as attempt 2.
    const first = await checkInRound(agents, fails);
    expect(first.sort()).toEqual(agents.map((device) => `${device.deviceName}#1`).sort());
    const second = await checkInRound(agents, fails);
    expect(second).toEqual([`${unlucky}#2`]);
    // Out of attempts: 1 of 4 failed (25 % > 20 %) and the policy pauses for a person.
    const paused = await rolloutWhere(handle, 'retry', (s) => s.phase === 'Paused');
    expect(paused.pausedBy).toBe('failure policy');
    expect(paused.message).toMatch(/1 of 4 devices that finished failed \(25 %\)/);
    const devices = await call<{
      items: Array<{ device: string; state: string; attempts: number; message?: string }>;
    }>(handle.server, 'GET', '/api/v1/rollouts/retry/devices?state=failed', { token: handle.token });
    expect(devices.body.items).toEqual([
      expect.objectContaining({
        device: unlucky,
        state: 'failed',
        attempts: 2,
        message: 'install script exited 1',
      }),
    ]);
    expect((await action('retry', 'resume')).status).toBe(200);
    const done = await rolloutWhere(handle, 'retry', (s) => s.phase === 'Completed');
    expect(done.totals).toMatchObject({ succeeded: 3, failed: 1 });
    for (const device of agents) device.close();
  });

  it('aborts past the failure threshold by default: nobody else is told to install', async () => {
    await deviceCa(handle);
    const agents = await enrolledFleet(handle, 'abort', 4);
    await apply(handle, [
      artifactManifest('abort-1', '1.0.0'),
      rolloutManifest('abort', 'abort-1', 'abort', { waves: [{ percent: 25 }, { percent: 100 }] }),
    ]);
    await rolloutWhere(handle, 'abort', (s) => s.totals?.assigned === 1);
    expect(await checkInRound(agents, () => UpdateState.FAILED)).toHaveLength(1);
    const aborted = await rolloutWhere(handle, 'abort', (s) => s.phase === 'Aborted');
    expect(aborted.abortedBy).toBe('rollout-controller');
    expect(aborted.totals).toMatchObject({ failed: 1, queued: 0, cancelled: 3 });
    await cacheExpiry();
    expect(await checkInRound(agents)).toEqual([]);
    const journal = await call<{ items: Array<{ operation: string; actor: string; reason?: string }> }>(
      handle.server,
      'GET',
      '/api/v1/journal?kind=Rollout&name=abort&operation=transition&limit=50',
      { token: handle.token },
    );
    expect(
      journal.body.items.find((entry) => entry.reason?.includes('above maxFailurePercent')),
    ).toBeDefined();
    for (const device of agents) device.close();
  });

  it('pause, resume, spec.paused, abort by people; two rollouts never share a device; fixed fields stay fixed', async () => {
    await deviceCa(handle);
    const agents = await enrolledFleet(handle, 'people', 4);
    await apply(handle, [
      artifactManifest('people-1', '1.0.0'),
      artifactManifest('people-2', '2.0.0'),
      rolloutManifest('people', 'people-1', 'people', { waves: [{ percent: 50 }, { percent: 100 }] }),
    ]);
    await rolloutWhere(handle, 'people', (s) => s.totals?.assigned === 2);
    // A second rollout over the same devices finds them all busy.
    await apply(handle, [
      rolloutManifest('people-next', 'people-2', 'people', { waves: [{ percent: 100 }] }),
    ]);
    const next = await rolloutWhere(handle, 'people-next', (s) => s.phase === 'Completed');
    expect(next.totals).toMatchObject({ targeted: 4, ineligible: 4 });
    expect(next.ineligibleReasons).toEqual({ InAnotherRollout: 4 });

    // What decided who gets what cannot change once started.
    const changed = await call<{ details: { causes: Array<{ pointer: string; message: string }> } }>(
      handle.server,
      'POST',
      '/api/v1/apply',
      {
        body: [
          rolloutManifest('people', 'people-2', 'people', { waves: [{ percent: 50 }, { percent: 100 }] }),
        ],
        token: handle.token,
      },
    );
    expect(changed.status, JSON.stringify(changed.body)).toBe(422);
    expect(changed.body.details.causes[0]).toMatchObject({ pointer: '/spec/artifactRef' });
    expect(changed.body.details.causes[0].message).toMatch(
      /cannot change once it has started.*Create a new Rollout/,
    );

    expect(
      (await action('people', 'pause', handle.token, { reason: 'looking at the canaries' })).status,
    ).toBe(200);
    expect((await action('people', 'pause')).status).toBe(409);
    await rolloutWhere(handle, 'people', (s) => s.phase === 'Paused' && s.pausedBy === 'admin');
    // Devices already told keep their assignment; no new device is told.
    expect(await checkInRound(agents)).toHaveLength(2);
    await tick(1);
    await cacheExpiry();
    expect(await checkInRound(agents)).toEqual([]);
    expect((await action('people', 'resume')).status).toBe(200);
    expect((await action('people', 'resume')).body.message).toMatch(/is not paused/);
    await rolloutWhere(handle, 'people', (s) => s.currentWave === 2 && s.totals?.pending === 2);

    // spec.paused pauses declaratively; resume says to apply it instead.
    await apply(handle, [
      rolloutManifest(
        'people',
        'people-1',
        'people',
        { waves: [{ percent: 50 }, { percent: 100 }] },
        { paused: true },
      ),
    ]);
    await rolloutWhere(handle, 'people', (s) => s.phase === 'Paused');
    const refused = await action('people', 'resume');
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/spec.paused: true.*paused: false/);

    expect((await action('people', 'abort', handle.token, { reason: 'bad build' })).status).toBe(200);
    const aborted = await rolloutWhere(handle, 'people', (s) => s.phase === 'Aborted');
    expect(aborted).toMatchObject({ abortedBy: 'admin' });
    expect(aborted.totals).toMatchObject({ succeeded: 2, cancelled: 2 });
    expect((await action('people', 'abort')).status).toBe(409);
    await cacheExpiry();
    expect(await checkInRound(agents)).toEqual([]);
    for (const device of agents) device.close();
  });

  it('does not wait for a device deleted while it was assigned', async () => {
    await deviceCa(handle);
    const agents = await enrolledFleet(handle, 'gone', 3);
    await apply(handle, [
      artifactManifest('gone-1', '1.0.0'),
      {
        apiVersion: 'steward.dev/v1',
        kind: 'DeviceGroup',
        metadata: { name: 'gone-group' },
        spec: { selector: { matchLabels: { fleet: 'gone' } } },
      },
      // Targeted through a DeviceGroup this time.
      rolloutManifest(
        'gone',
        'gone-1',
        'gone',
        { waves: [{ percent: 100 }] },
        { target: { groupRef: { name: 'gone-group' } } },
      ),
    ]);
    await rolloutWhere(handle, 'gone', (s) => s.totals?.assigned === 3);
    const [leaving, ...staying] = agents;
    const deleted = await call(handle.server, 'DELETE', `/api/v1/devices/${leaving.deviceName}`, {
      token: handle.token,
    });
    expect([200, 202]).toContain(deleted.status);
    expect(await checkInRound(staying)).toHaveLength(2);
    const done = await rolloutWhere(handle, 'gone', (s) => s.phase === 'Completed');
    expect(done.totals).toMatchObject({ succeeded: 2, cancelled: 1, pending: 0 });
    const rows = await call<{ items: Array<{ device: string; reason?: string }> }>(
      handle.server,
      'GET',
      '/api/v1/rollouts/gone/devices?state=cancelled',
      { token: handle.token },
    );
    expect(rows.body.items).toEqual([
      expect.objectContaining({ device: leaving.deviceName, reason: 'DeviceDeleted' }),
    ]);
    for (const device of agents) device.close();
  });

  it('every action needs its permission, and another tenant sees nothing', async () => {
    await deviceCa(handle);
    await apply(handle, [
      artifactManifest('perm-1', '1.0.0'),
      rolloutManifest('perm', 'perm-1', 'nobody', { waves: [{ percent: 100, requireApproval: true }] }),
    ]);
    const key = async (permissions: string[]) =>
      (
        await call<{ key: string }>(handle.server, 'POST', '/api/v1/keys', {
          body: {
            type: 'fine-grained',
            name: `k-${permissions.join('-').replaceAll(':', '-')}`,
            permissions,
          },
          token: handle.token,
        })
      ).body.key;
    const reader = await key(['rollouts:read']);
    const writer = await key(['rollouts:read', 'rollouts:write']);
    for (const verb of ['approve', 'pause', 'resume', 'abort']) {
      const denied = await action('perm', verb, reader);
      expect(denied.status, verb).toBe(403);
      expect(JSON.stringify(denied.body)).toContain(
        verb === 'approve' ? 'rollouts:approve' : 'rollouts:write',
      );
    }
    const approveDenied = await action('perm', 'approve', writer);
    expect(approveDenied.status).toBe(403);
    expect(JSON.stringify(approveDenied.body)).toContain('rollouts:approve');
    expect(
      (await call(handle.server, 'GET', '/api/v1/rollouts/perm/devices', { token: reader })).status,
    ).toBe(200);

    const created = await call(handle.server, 'POST', '/api/v1/tenants', {
      body: { name: 'rollouts-b', admin: { username: 'b-admin', password: 'rollouts-b-password-1' } },
      token: handle.token,
    });
    expect(created.status).toBe(201);
    const other = await loginToken(handle.server, 'b-admin', 'rollouts-b-password-1', 'rollouts-b');
    for (const verb of ['approve', 'pause', 'resume', 'abort']) {
      const hidden = await action('perm', verb, other);
      expect(hidden.status, verb).toBe(404);
      expect(hidden.body.message).toBe('Rollout "perm" not found');
    }
    expect((await call(handle.server, 'GET', '/api/v1/rollouts/perm/devices', { token: other })).status).toBe(
      404,
    );
    // The bad inputs get precise answers and change nothing.
    const badBody = await action('perm', 'pause', handle.token, { because: 'x' });
    expect(badBody.status).toBe(422);
    const badState = await call<{ message: string }>(
      handle.server,
      'GET',
      '/api/v1/rollouts/perm/devices?state=done',
      {
        token: handle.token,
      },
    );
    expect(badState.status).toBe(400);
    expect(badState.body.message).toMatch(/state must be one of/);
    // No device matches its target: it waits for one rather than completing with nobody.
    const pending = await rolloutWhere(handle, 'perm', (s) => s.phase === 'Pending');
    expect(pending.message).toMatch(/no device matches the target yet/);
    const early = await action('perm', 'approve');
    expect(early.status).toBe(409);
    expect(early.body.message).toMatch(/has not started/);
  });
});
