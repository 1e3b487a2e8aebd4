/**
 * The status a Rollout reports (schemas/v1/rollout.json): its phase and message as decided, and
 * the counts of its progress per wave and in total. Pure.
 */
import type { RolloutSpec, RolloutStatus } from '../kinds/generated/v1/rollout.js';
import { type RolloutProgress, totalCounts } from './rollout-model.js';

export type RolloutPhase = NonNullable<RolloutStatus['phase']>;

/** The status a rollout reports from its progress. Pure. */
export function statusOf(
  spec: RolloutSpec,
  progress: RolloutProgress,
  phase: RolloutPhase,
  message: string,
): RolloutStatus {
  const total = totalCounts(progress.counts);
  const ineligible = Object.values(progress.ineligible).reduce((sum, count) => sum + count, 0);
  const current = progress.waves[progress.currentWave - 1];
  return {
    phase,
    currentWave: progress.currentWave,
    message,
    ...(progress.artifact ? { artifact: progress.artifact } : {}),
    ...(progress.startedAt ? { startedAt: progress.startedAt } : {}),
    ...(progress.completedAt ? { finishedAt: progress.completedAt } : {}),
    ...(progress.aborted ? { finishedAt: progress.aborted.at, abortedBy: progress.aborted.by } : {}),
    ...(phase === 'Soaking' && current?.soakUntil ? { soakUntil: current.soakUntil } : {}),
    ...(phase === 'Paused'
      ? { pausedBy: progress.haltedReason ? 'failure policy' : (progress.pausedBy ?? 'spec.paused') }
      : {}),
    totals: {
      targeted: progress.targeted,
      ineligible,
      queued: total.queued,
      assigned: total.assigned + total.succeeded + total.failed,
      succeeded: total.succeeded,
      failed: total.failed,
      pending: total.assigned,
      cancelled: total.cancelled,
    },
    ineligibleReasons: progress.ineligible,
    waves: spec.strategy.waves.map((wave, index) => {
      const counts = progress.counts[index] ?? {
        devices: 0,
        queued: 0,
        assigned: 0,
        succeeded: 0,
        failed: 0,
        cancelled: 0,
      };
      const record = progress.waves[index] ?? {};
      return {
        wave: index + 1,
        percent: wave.percent,
        devices: counts.devices,
        assigned: counts.assigned + counts.succeeded + counts.failed,
        succeeded: counts.succeeded,
        failed: counts.failed,
        pending: counts.assigned,
        queued: counts.queued,
        ...(record.startedAt ? { startedAt: record.startedAt } : {}),
        ...(record.finishedAt ? { finishedAt: record.finishedAt } : {}),
        ...(record.approvedBy ? { approvedBy: record.approvedBy } : {}),
        ...(record.approvedAt ? { approvedAt: record.approvedAt } : {}),
      };
    }),
  };
}
