/**
 * Rollout. Today: checks that its artifact exists and is Ready and that its target group exists,
 * and says plainly that assigning the artifact wave by wave is not built yet. Never Ready yet.
 */
import type { Controller, ReconcileResult } from '../src/engine/controller.js';
import { isReady, ready } from '../src/engine/controller.js';
import type { RolloutSpec, RolloutStatus } from '../src/kinds/generated/v1/rollout.js';
import type { StoredResource } from '../src/resources/model.js';

export const RolloutReason = {
  ArtifactNotFound: 'ArtifactNotFound',
  ArtifactNotReady: 'ArtifactNotReady',
  DeviceGroupNotFound: 'DeviceGroupNotFound',
  /** References resolve; the wave engine (assignment, approval, soak, abort) is not built yet. */
  WavesNotImplemented: 'WavesNotImplemented',
} as const;

const ARTIFACT_REF = ['spec', 'artifactRef', 'name'] as const;
const GROUP_REF = ['spec', 'target', 'groupRef', 'name'] as const;

export interface RolloutObservation {
  artifactName: string;
  artifact: StoredResource | null;
  /** Absent when the target is a selector. */
  groupName?: string;
  group: StoredResource | null;
}

/** Pure. */
export function decideRollout(observed: RolloutObservation): ReconcileResult<RolloutStatus> {
  if (observed.artifact === null)
    return {
      conditions: [
        ready('False', RolloutReason.ArtifactNotFound, `Artifact "${observed.artifactName}" does not exist`),
      ],
    };
  if (!isReady(observed.artifact))
    return {
      conditions: [
        ready('False', RolloutReason.ArtifactNotReady, `Artifact "${observed.artifactName}" is not Ready`),
      ],
    };
  if (observed.groupName !== undefined && observed.group === null)
    return {
      conditions: [
        ready(
          'False',
          RolloutReason.DeviceGroupNotFound,
          `DeviceGroup "${observed.groupName}" does not exist`,
        ),
      ],
    };
  return {
    conditions: [
      ready(
        'False',
        RolloutReason.WavesNotImplemented,
        'artifact and target resolve; wave-by-wave assignment is not built yet',
      ),
    ],
  };
}

export const rolloutController: Controller<RolloutSpec, RolloutStatus, RolloutObservation> = {
  kind: 'Rollout',
  references: [
    { path: ARTIFACT_REF, kind: 'Artifact' },
    { path: GROUP_REF, kind: 'DeviceGroup' },
  ],
  async observe(rollout, { read }) {
    const artifactName = rollout.spec.artifactRef.name;
    const groupName = rollout.spec.target.groupRef?.name;
    return {
      artifactName,
      artifact: await read.get('Artifact', artifactName),
      groupName,
      group: groupName === undefined ? null : await read.get('DeviceGroup', groupName),
    };
  },
  plan: (_rollout, observed) => decideRollout(observed),
};
