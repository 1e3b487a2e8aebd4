/**
 * Test support for rollouts: a fleet of reference agents enrolled with one label, manifests, and
 * a check-in round in which every device told to install reports how it went.
 */
import type { DeviceAgent } from '../../src/device-agent/agent.js';
import { UpdateState } from '../../src/device-api/gen/steward/device/v1/device_pb.js';
import type { RolloutStatus } from '../../src/kinds/generated/v1/rollout.js';
import type { StoredResource } from '../../src/resources/model.js';
import { agent, enrollToken } from '../device-api/device-fleet.js';
import { type PkiServer, waitFor } from '../pki/pki-server.js';

export const DIGEST = `sha256:${'ab'.repeat(32)}`;

export function artifactManifest(name: string, version: string, platforms = ['linux']) {
  return {
    apiVersion: 'steward.dev/v1',
    kind: 'Artifact',
    metadata: { name },
    spec: { version, digest: DIGEST, size: 1024, platforms, url: `https://updates.example.com/${name}` },
  };
}

export function rolloutManifest(
  name: string,
  artifact: string,
  fleetLabel: string,
  strategy: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) {
  return {
    apiVersion: 'steward.dev/v1',
    kind: 'Rollout',
    metadata: { name },
    spec: {
      artifactRef: { name: artifact },
      target: { selector: { matchLabels: { fleet: fleetLabel } } },
      strategy,
      ...extra,
    },
  };
}

/** `count` agents enrolled with the label fleet=`label`. */
export async function enrolledFleet(
  handle: PkiServer,
  label: string,
  count: number,
  platform = 'linux',
  token = handle.token,
): Promise<DeviceAgent[]> {
  const enrollment = await enrollToken(handle, { maxUses: count, labels: { fleet: label } }, token);
  const agents: DeviceAgent[] = [];
  for (let index = 0; index < count; index++) {
    const identifier =
      platform === 'apple'
        ? `C02${label.toUpperCase().slice(0, 4)}${String(index).padStart(4, '0')}`
        : `${label}-${index}`;
    const device = await agent(handle, identifier, platform);
    await device.enroll(enrollment.token);
    agents.push(device);
  }
  return agents;
}

export const rolloutStatus = (resource: StoredResource | null) => (resource?.status ?? {}) as RolloutStatus;

export const phaseIs = (phase: string) => (resource: StoredResource | null) =>
  rolloutStatus(resource).phase === phase;

/** Waits until the rollout's status satisfies `predicate`; answers it. */
export async function rolloutWhere(
  handle: PkiServer,
  name: string,
  predicate: (status: RolloutStatus) => boolean,
  tenant = 'default',
  timeoutMs = 20_000,
): Promise<RolloutStatus> {
  return rolloutStatus(
    await waitFor(handle, name, (resource) => predicate(rolloutStatus(resource)), {
      kind: 'Rollout',
      tenant,
      timeoutMs,
    }),
  );
}

/**
 * Each device checks in; those told to install report `outcome(device, attempt)` at once. Answers
 * the names of the devices told to install (with their attempt).
 */
export async function checkInRound(
  agents: DeviceAgent[],
  outcome: (device: DeviceAgent, attempt: number) => UpdateState = () => UpdateState.SUCCEEDED,
): Promise<string[]> {
  const told: string[] = [];
  for (const device of agents) {
    const { assignment } = await device.checkIn();
    if (!assignment?.rollout) continue;
    told.push(`${device.deviceName}#${assignment.attempt}`);
    const state = outcome(device, assignment.attempt);
    await device.checkIn({
      ...(state === UpdateState.SUCCEEDED
        ? { installed: { artifact: assignment.artifact, version: assignment.version } }
        : {}),
      updateResults: [
        {
          rollout: assignment.rollout,
          artifact: assignment.artifact,
          version: assignment.version,
          state,
          message: state === UpdateState.FAILED ? 'install script exited 1' : 'installed',
          attempt: assignment.attempt,
        },
      ],
    });
  }
  return told;
}
