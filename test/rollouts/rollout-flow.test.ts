/**
 * A rollout end to end on the real device API: devices enroll, the rollout fixes its waves, each
 * device learns its signed assignment at check-in, reports, and the rollout advances through an
 * approval gate to Completed; pause, resume and abort act on it; two rollouts never share a device.
 */
import { createPublicKey, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { artifactSignaturePayload } from '../../src/contract/artifact-signature.js';
import type { DeviceAgent } from '../../src/device-agent/agent.js';
import { deviceCa } from '../device-api/device-fleet.js';
import { apply, usePkiServer, waitFor } from '../pki/pki-server.js';
import { call } from '../support/server.js';
import {
  artifactManifest,
  checkInRound,
  DIGEST,
  enrolledFleet,
  phaseIs,
  rolloutManifest,
  rolloutStatus,
} from './support.js';

const handle = usePkiServer();

describe('rollouts over the device API', () => {
  it('assigns wave by wave, delivers a signed assignment, waits for approval, completes', async () => {
    await deviceCa(handle);
    const agents = await enrolledFleet(handle, 'flow', 4);
    const [apple] = await enrolledFleet(handle, 'flow', 1, 'apple');
    await apply(handle, [
      artifactManifest('agent-2', '2.0.0'),
      rolloutManifest('flow', 'agent-2', 'flow', {
        waves: [{ percent: 25 }, { percent: 100, requireApproval: true }],
      }),
    ]);
    const status = rolloutStatus(await waitFor(handle, 'flow', phaseIs('Progressing'), { kind: 'Rollout' }));
    expect(status.totals).toMatchObject({ targeted: 5, ineligible: 1 });
    expect(status.ineligibleReasons).toEqual({ Platform: 1 });
    expect(status.waves?.map((wave) => wave.devices)).toEqual([1, 3]);

    // The canary's assignment is signed over exactly what it says, by a key the API lists.
    let canary: DeviceAgent | undefined;
    for (const device of agents) if ((await device.checkIn()).assignment?.rollout === 'flow') canary = device;
    expect(canary).toBeDefined();
    const assignment = (await canary!.checkIn()).assignment!;
    expect(assignment).toMatchObject({
      artifact: 'agent-2',
      version: '2.0.0',
      digest: DIGEST,
      attempt: 1,
      platforms: ['linux'],
    });
    const keys = await call<{ items: Array<{ keyId: string; publicKeyPem: string }> }>(
      handle.server,
      'GET',
      '/api/v1/signing-keys',
      { token: handle.token },
    );
    const key = keys.body.items.find((item) => item.keyId === assignment.keyId)!;
    const payload = artifactSignaturePayload({
      name: assignment.artifact,
      version: assignment.version,
      digest: assignment.digest,
      size: Number(assignment.size),
      platforms: assignment.platforms,
      url: assignment.url,
    });
    expect(
      verify(
        null,
        Buffer.from(payload),
        createPublicKey(key.publicKeyPem),
        Buffer.from(assignment.signature, 'base64'),
      ),
    ).toBe(true);
    expect((await apple.checkIn()).assignment).toBeUndefined();

    expect((await checkInRound(agents)).length).toBe(1);
    const waiting = await waitFor(handle, 'flow', phaseIs('WaitingApproval'), { kind: 'Rollout' });
    expect(rolloutStatus(waiting).waves?.[0]).toMatchObject({ succeeded: 1, devices: 1 });
    expect((await checkInRound(agents)).length).toBe(0);

    const approved = await call(handle.server, 'POST', '/api/v1/rollouts/flow/approve', {
      body: {},
      token: handle.token,
    });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    await waitFor(handle, 'flow', phaseIs('Progressing'), { kind: 'Rollout' });
    const again = await call<{ message: string }>(handle.server, 'POST', '/api/v1/rollouts/flow/approve', {
      body: {},
      token: handle.token,
    });
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/not waiting for approval/);
    // The next wave is assigned when the rollout reconciles; devices see it within a second.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await checkInRound(agents)).length).toBe(3);
    const done = await waitFor(handle, 'flow', phaseIs('Completed'), { kind: 'Rollout' });
    expect(rolloutStatus(done).totals).toMatchObject({ targeted: 5, succeeded: 4, failed: 0, pending: 0 });
    const journal = await call<{ items: Array<{ operation: string; result: string; actor: string }> }>(
      handle.server,
      'GET',
      '/api/v1/journal?kind=Rollout&name=flow&limit=100',
      { token: handle.token },
    );
    const operations = journal.body.items.map((entry) => `${entry.operation}:${entry.result}`);
    expect(operations).toEqual(
      expect.arrayContaining(['start:Progressing', 'approve:approved', 'transition:Completed']),
    );
    for (const device of [...agents, apple]) device.close();
  });
  it('starts over more devices than one statement holds (1,200 devices, one transaction)', async () => {
    const devices = Array.from({ length: 1_200 }, (_, index) => ({
      apiVersion: 'steward.dev/v1',
      kind: 'Device',
      metadata: { name: `bulk-${index}`, labels: { fleet: 'bulk' } },
      spec: { platform: 'linux', permanentIdentifier: `bulk-machine-${index}` },
    }));
    await apply(handle, devices);
    await apply(handle, [
      artifactManifest('bulk-agent', '1.0.0'),
      rolloutManifest('bulk', 'bulk-agent', 'bulk', {
        waves: [{ percent: 1 }, { percent: 10 }, { percent: 100 }],
      }),
    ]);
    const started = rolloutStatus(
      await waitFor(handle, 'bulk', (resource) => (rolloutStatus(resource).totals?.targeted ?? 0) > 0, {
        kind: 'Rollout',
        timeoutMs: 60_000,
      }),
    );
    expect(started.totals?.targeted).toBe(1_200);
    expect(started.waves?.map((wave) => wave.devices)).toEqual([12, 108, 1_080]);
  });
});
