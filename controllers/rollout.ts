/**
 * Rollout: moves a signed Artifact onto its target devices wave by wave. The first reconcile fixes
 * the target (every device's wave, or why it is ineligible) in the database; each later one reads
 * the devices' reports as counts and takes one step: open a wave (after its approval), assign its
 * devices (within maxDevicesPerMinute), close it once its success threshold is reached, soak,
 * advance; stop on the failure threshold (abort, or pause for a person). Every step is a row
 * update in a transaction with its journal entry, so a crash repeats at most the step it was in,
 * and repeating a step is harmless.
 */

import { systemContext } from '../src/context.js';
import type { ConditionInput, Controller, Plan } from '../src/engine/controller.js';
import { isReady, ready } from '../src/engine/controller.js';
import { controllerActor } from '../src/engine/reconciler.js';
import type { RolloutSpec, RolloutStatus } from '../src/kinds/generated/v1/rollout.js';
import type { StoredResource } from '../src/resources/model.js';
import { type LabelSelector, selectorRequirements } from '../src/resources/selector.js';
import {
  ASSIGN_BATCH,
  type RolloutAction,
  type RolloutProgress,
  totalCounts,
} from '../src/rollouts/rollout-model.js';
import type { RolloutProgressStore } from '../src/rollouts/rollout-progress.js';
import { statusOf } from '../src/rollouts/rollout-status.js';

export const ROLLOUT_FINALIZER = 'steward.dev/rollout';

export const RolloutReason = {
  ArtifactNotFound: 'ArtifactNotFound',
  ArtifactNotReady: 'ArtifactNotReady',
  DeviceGroupNotFound: 'DeviceGroupNotFound',
  /** Not started: no Device matches the target yet. */
  NoTargetDevices: 'NoTargetDevices',
  Progressing: 'Progressing',
  WaitingApproval: 'WaitingApproval',
  Soaking: 'Soaking',
  Paused: 'Paused',
  Completed: 'Completed',
  Aborted: 'Aborted',
} as const;

type Phase = NonNullable<RolloutStatus['phase']>;

export interface RolloutObservation {
  artifactName: string;
  artifact: StoredResource | null;
  /** Absent when the target is a selector. */
  groupName?: string;
  group: StoredResource | null;
  progress: RolloutProgress;
  /** Before the start: how many Devices the target names now (undefined once started). */
  targetCount?: number;
}

const ARTIFACT_REF = ['spec', 'artifactRef', 'name'] as const;
const GROUP_REF = ['spec', 'target', 'groupRef', 'name'] as const;
/** A rollout with devices still to report is looked at again at least this often (reports wake it sooner). */
const RECHECK_MS = 60_000;

/** The decision. Pure: the same rollout, observation and time give the same plan. */
export function decideRollout(
  rollout: StoredResource<RolloutSpec, RolloutStatus>,
  observed: RolloutObservation,
  now: Date,
): Plan<RolloutStatus, RolloutAction> {
  const { spec } = rollout;
  const progress = observed.progress;
  const strategy = spec.strategy;
  const report = (phase: Phase, message: string, requeueAfter?: number) =>
    reportOf(rollout, progress, phase, message, requeueAfter);
  if (progress.aborted)
    return report('Aborted', `aborted by ${progress.aborted.by}: ${progress.aborted.reason}`);
  if (progress.completedAt) return report('Completed', completedMessage(progress));
  if (!progress.startedAt) {
    const blocked = blockedBeforeStart(observed);
    if (blocked)
      return {
        status: { phase: 'Pending', currentWave: 0, message: blocked.message },
        conditions: [blocked],
      };
    if (observed.targetCount === 0) {
      // A rollout applied before its devices exist (a GitOps repository, the quickstart) waits
      // for them rather than completing with nobody; new Devices wake it.
      const message = 'no device matches the target yet: the rollout starts when one does';
      return {
        status: { phase: 'Pending', currentWave: 0, message },
        conditions: [ready('False', RolloutReason.NoTargetDevices, message)],
        requeueAfter: RECHECK_MS,
      };
    }
    return { act: { type: 'start' } };
  }
  const retries = strategy.retries ?? 0;
  if (progress.retries !== retries) return { act: { type: 'syncRetries', retries } };

  const total = totalCounts(progress.counts);
  const finished = total.succeeded + total.failed;
  const maxFailurePercent = strategy.maxFailurePercent ?? 10;
  const newFailures = total.failed > progress.acknowledgedFailures;
  if (
    newFailures &&
    finished >= (strategy.minFinishedDevices ?? 1) &&
    total.failed * 100 > maxFailurePercent * finished
  ) {
    const reason = `${total.failed} of ${finished} devices that finished failed (${percent(total.failed, finished)} %), above maxFailurePercent ${maxFailurePercent} %`;
    const stop = onFailure(strategy.onFailure, progress, reason);
    if (stop) return stop;
  }
  if (spec.paused || progress.pausedBy || progress.haltedReason) {
    const why = progress.haltedReason
      ? `paused by the failure policy: ${progress.haltedReason}; rollout resume or abort`
      : progress.pausedBy
        ? `paused by ${progress.pausedBy}; rollout resume to continue`
        : 'paused by spec.paused; apply it with paused: false to continue';
    return report('Paused', why);
  }

  const wave = progress.currentWave;
  const waveSpec = strategy.waves[wave - 1];
  const counts = progress.counts[wave - 1];
  const record = progress.waves[wave - 1] ?? {};
  if (!record.startedAt) {
    if (counts.devices > 0 && waveSpec.requireApproval && progress.approvedWave < wave)
      return report(
        'WaitingApproval',
        `wave ${wave} of ${strategy.waves.length} (${counts.devices} devices) waits for approval: steward rollout approve ${rollout.name}`,
      );
    return { act: { type: 'startWave', wave } };
  }
  if (counts.queued > 0) {
    const limit = strategy.maxDevicesPerMinute ?? 0;
    const allowance = limit > 0 ? limit - progress.assignedLastMinute : counts.queued;
    if (allowance > 0)
      return { act: { type: 'assign', wave, count: Math.min(counts.queued, allowance, ASSIGN_BATCH) } };
  }
  const threshold = waveSpec.successThreshold ?? 100 - maxFailurePercent;
  // Devices that left (deleted while in the wave) are not waited for.
  const members = counts.devices - counts.cancelled;
  const needed = Math.ceil((threshold * members) / 100);
  if (counts.queued === 0 && counts.succeeded >= needed) {
    if (!record.finishedAt) {
      // An empty wave installed nothing: there is nothing to soak.
      const soakSeconds = members > 0 ? (waveSpec.soakSeconds ?? 0) : 0;
      const soakUntil = new Date(now.getTime() + soakSeconds * 1000).toISOString();
      return { act: { type: 'finishWave', wave, soakUntil } };
    }
    if (wave === strategy.waves.length) {
      if (total.assigned === 0) return { act: { type: 'complete' } };
      return report(
        'Progressing',
        `every wave reached its success threshold; ${total.assigned} assigned devices have not reported yet`,
        RECHECK_MS,
      );
    }
    const soakLeft = record.soakUntil ? new Date(record.soakUntil).getTime() - now.getTime() : 0;
    if (soakLeft > 0)
      return report(
        'Soaking',
        `wave ${wave} succeeded on ${counts.succeeded} of ${counts.devices} devices; soaking until ${record.soakUntil}`,
        soakLeft,
      );
    return { act: { type: 'advance', from: wave } };
  }
  const unreachable = counts.succeeded + counts.assigned + counts.queued < needed;
  if (unreachable && newFailures) {
    const reason = `wave ${wave} can no longer reach its success threshold of ${threshold} % (${needed} of ${members} devices): ${counts.failed} failed`;
    const stop = onFailure(strategy.onFailure, progress, reason);
    if (stop) return stop;
  }
  const rateWait =
    counts.queued > 0 && progress.windowFreesAt
      ? Math.max(1_000, new Date(progress.windowFreesAt).getTime() - now.getTime())
      : undefined;
  if (unreachable)
    return report(
      'Progressing',
      `wave ${wave} cannot reach its success threshold (${counts.succeeded} succeeded, ${counts.failed} failed of ${members}; needs ${needed}): lower spec.strategy.waves[${wave - 1}].successThreshold or abort`,
      RECHECK_MS,
    );
  const waiting =
    counts.queued > 0
      ? `; ${counts.queued} wait for the rate limit (${strategy.maxDevicesPerMinute}/min)`
      : '';
  return report(
    'Progressing',
    `wave ${wave} of ${strategy.waves.length}: ${counts.succeeded} of ${counts.devices} succeeded, ${counts.assigned} pending, ${counts.failed} failed (needs ${needed})${waiting}`,
    rateWait ?? RECHECK_MS,
  );
}

/** What crossing a failure limit does: abort, or halt for a person (once). Undefined when already halted. */
function onFailure(
  policy: RolloutSpec['strategy']['onFailure'],
  progress: RolloutProgress,
  reason: string,
): Plan<RolloutStatus, RolloutAction> | undefined {
  if ((policy ?? 'abort') === 'abort') return { act: { type: 'abort', reason } };
  if (!progress.haltedReason) return { act: { type: 'halt', reason } };
  return undefined;
}

function blockedBeforeStart(observed: RolloutObservation): ConditionInput | undefined {
  if (observed.artifact === null)
    return ready(
      'False',
      RolloutReason.ArtifactNotFound,
      `Artifact "${observed.artifactName}" does not exist`,
    );
  if (!isReady(observed.artifact))
    return ready(
      'False',
      RolloutReason.ArtifactNotReady,
      `Artifact "${observed.artifactName}" is not Ready (it must be signed)`,
    );
  if (observed.groupName !== undefined && observed.group === null)
    return ready(
      'False',
      RolloutReason.DeviceGroupNotFound,
      `DeviceGroup "${observed.groupName}" does not exist`,
    );
  return undefined;
}

function completedMessage(progress: RolloutProgress): string {
  const total = totalCounts(progress.counts);
  return `completed: ${total.succeeded} of ${total.devices} devices succeeded, ${total.failed} failed${progress.targeted > total.devices ? `, ${progress.targeted - total.devices} ineligible` : ''}`;
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '0' : ((part * 100) / whole).toFixed(1).replace(/\.0$/, '');
}

/** The status and the Ready condition for a phase. Pure. */
function reportOf(
  rollout: StoredResource<RolloutSpec, RolloutStatus>,
  progress: RolloutProgress,
  phase: Phase,
  message: string,
  requeueAfter?: number,
): Plan<RolloutStatus, RolloutAction> {
  return {
    status: statusOf(rollout.spec, progress, phase, message),
    conditions: [
      ready(
        phase === 'Completed' ? 'True' : 'False',
        RolloutReason[phase as keyof typeof RolloutReason] ?? phase,
        message,
      ),
    ],
    ...(requeueAfter !== undefined ? { requeueAfter } : {}),
  };
}

/** The controller, bound to the store of rollout progress. */
export function createRolloutController(
  rollouts: RolloutProgressStore,
): Controller<RolloutSpec, RolloutStatus, RolloutObservation, RolloutAction> {
  return {
    kind: 'Rollout',
    references: [
      { path: ARTIFACT_REF, kind: 'Artifact' },
      { path: GROUP_REF, kind: 'DeviceGroup' },
    ],
    finalizer: ROLLOUT_FINALIZER,
    // Few rollouts, many devices: a rollout's next step is not queued behind its devices' keys.
    priority: 'high',
    // A rollout waiting for its first device starts when one appears (label changes included).
    watches: [
      {
        kind: 'Device',
        statusChanges: false,
        map: (changed, lookup) => lookup.allOf('Rollout', [...new Set(changed.map((key) => key.tenant))]),
      },
    ],
    async observe(rollout, { read, now }) {
      const artifactName = rollout.spec.artifactRef.name;
      const groupName = rollout.spec.target.groupRef?.name;
      const [artifact, group, progress] = await Promise.all([
        read.get('Artifact', artifactName),
        groupName === undefined ? null : read.get('DeviceGroup', groupName),
        rollouts.progress(rollout.tenant, rollout.uid, rollout.spec.strategy.waves.length, now()),
      ]);
      let targetCount: number | undefined;
      if (!progress.startedAt) {
        const selector = group
          ? (group.spec as { selector?: LabelSelector }).selector
          : rollout.spec.target.selector;
        targetCount =
          groupName !== undefined && !group
            ? 0
            : await read.count('Device', selectorRequirements(selector ?? {}));
      }
      return { artifactName, artifact, groupName, group, progress, targetCount };
    },
    plan: decideRollout,
    async act(rollout, action, { now }) {
      const context = systemContext(rollout.tenant, controllerActor('Rollout'), `rollout-${rollout.uid}`);
      await rollouts.act(context, rollout, action, now());
    },
    async finalize(rollout) {
      await rollouts.forget(
        systemContext(rollout.tenant, controllerActor('Rollout'), `rollout-${rollout.uid}`),
        rollout,
      );
      return { done: true };
    },
  };
}
