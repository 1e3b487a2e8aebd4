/**
 * The simulated fleet under a real rollout: assignments signed by the server verify with the keys
 * of GET /api/v1/signing-keys (fetched by the fleet when first needed), each device reports at
 * once by an extra check-in, a failed install is retried as attempt 2 and done again, and the
 * rollout completes from the devices' reports alone.
 */
import { describe, expect, it } from 'vitest';
import { SimulatedFleet } from '../../src/device-agent/fleet.js';
import type { SigningKey } from '../../src/device-agent/signing-keyring.js';
import type { RolloutStatus } from '../../src/kinds/generated/v1/rollout.js';
import { deviceCa, enrollToken } from '../device-api/device-fleet.js';
import { apply, usePkiServer, waitFor } from '../pki/pki-server.js';
import { call } from '../support/server.js';

const handle = usePkiServer();

function manifests(name: string, retries: number) {
  return [
    {
      apiVersion: 'steward.dev/v1',
      kind: 'Artifact',
      metadata: { name: `${name}-agent` },
      spec: {
        version: '3.0.0',
        digest: `sha256:${'cd'.repeat(32)}`,
        size: 2048,
        platforms: ['linux'],
        url: `https://updates.example.com/${name}-agent-3.0.0`,
      },
    },
    {
      apiVersion: 'steward.dev/v1',
      kind: 'Rollout',
      metadata: { name },
      spec: {
        artifactRef: { name: `${name}-agent` },
        target: { selector: { matchLabels: { fleet: name } } },
        strategy: { waves: [{ percent: 100 }], retries, maxFailurePercent: 100 },
      },
    },
  ];
}

async function simulatedFleet(name: string, devices: number, random?: () => number) {
  await deviceCa(handle);
  const { token } = await enrollToken(handle, { maxUses: devices, labels: { fleet: name } });
  let fetches = 0;
  const api = handle.server.deviceApi!.server;
  const fleet = new SimulatedFleet({
    url: api.url,
    trustPem: api.trustPem,
    enrollToken: token,
    devices,
    prefix: name,
    failureRate: random ? 0.5 : 0,
    random,
    signingKeys: async () => {
      fetches++;
      const reply = await call<{ items: SigningKey[] }>(handle.server, 'GET', '/api/v1/signing-keys', {
        token: handle.token,
      });
      return reply.body.items;
    },
  });
  await fleet.enroll();
  return { fleet, fetches: () => fetches };
}

const phaseOf = (resource: { status?: unknown } | null) =>
  (resource?.status as RolloutStatus | undefined)?.phase;

/** Check-in rounds until the rollout is `phase` (the engine assigns on its own time). */
async function roundsUntil(fleet: SimulatedFleet, name: string, phase: string): Promise<RolloutStatus> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    await fleet.checkInRound();
    const resource = await handle.server.services.store.get({ tenant: 'default', kind: 'Rollout', name });
    if (phaseOf(resource) === phase) return resource?.status as RolloutStatus;
    if (Date.now() > deadline) throw new Error(`rollout ${name} is ${phaseOf(resource)}, not ${phase}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('SimulatedFleet under a real rollout', () => {
  it('verifies the server-signed assignments with the listed keys, installs, reports at once: Completed', async () => {
    const { fleet, fetches } = await simulatedFleet('simroll', 3);
    try {
      await apply(handle, manifests('simroll', 0));
      await waitFor(handle, 'simroll', (resource) => phaseOf(resource) === 'Progressing', {
        kind: 'Rollout',
      });
      const status = await roundsUntil(fleet, 'simroll', 'Completed');
      expect(status.totals).toMatchObject({ targeted: 3, succeeded: 3, failed: 0, pending: 0 });
      expect(fleet.stats()).toMatchObject({
        updatesSucceeded: 3,
        updatesRefused: 0,
        updatesFailed: 0,
        errors: {},
      });
      expect(fetches()).toBe(1);
    } finally {
      fleet.close();
    }
  });

  it('a failed install is retried by the server as attempt 2 and done again', async () => {
    // The first install of each device fails, every later one succeeds.
    const draws = [0.1, 0.1];
    const { fleet } = await simulatedFleet('simretry', 2, () => draws.shift() ?? 0.9);
    try {
      await apply(handle, manifests('simretry', 1));
      await waitFor(handle, 'simretry', (resource) => phaseOf(resource) === 'Progressing', {
        kind: 'Rollout',
      });
      const status = await roundsUntil(fleet, 'simretry', 'Completed');
      expect(status.totals).toMatchObject({ targeted: 2, succeeded: 2, failed: 0 });
      expect(fleet.stats()).toMatchObject({
        updatesSucceeded: 2,
        updatesFailed: 2,
        updatesRefused: 0,
        errors: {},
      });
    } finally {
      fleet.close();
    }
  });
});
