/**
 * What the Rollout reconciler observes of a rollout's progress (read from rollout_states and
 * rollout_devices by RolloutProgressStore) and the actions it may take. Shared by the pure decision
 * (controllers/rollout.ts) and the store that performs the actions.
 */

/** Per wave, device counts by state. `assigned` are told and not finished (pending). */
export interface WaveCounts {
  devices: number;
  queued: number;
  assigned: number;
  succeeded: number;
  failed: number;
  cancelled: number;
}

/** Times and the approval of one wave (JSON in rollout_states.waves). */
export interface WaveRecord {
  startedAt?: string;
  finishedAt?: string;
  soakUntil?: string;
  approvedBy?: string;
  approvedAt?: string;
}

export interface RolloutProgress {
  startedAt: string | null;
  /** 1-based once started. */
  currentWave: number;
  approvedWave: number;
  waves: WaveRecord[];
  pausedBy: string | null;
  haltedReason: string | null;
  /** Failures accepted by a resume: the failure policy fires again only when more fail. */
  acknowledgedFailures: number;
  aborted: { by: string; at: string; reason: string } | null;
  completedAt: string | null;
  retries: number;
  artifact: { name: string; version: string } | null;
  /** Index = wave - 1. */
  counts: WaveCounts[];
  targeted: number;
  ineligible: Record<string, number>;
  /** Devices assigned in the last minute (maxDevicesPerMinute). */
  assignedLastMinute: number;
  /** When the oldest assignment of that minute leaves the window (ISO), if any. */
  windowFreesAt?: string;
}

export type RolloutAction =
  | { type: 'start' }
  | { type: 'syncRetries'; retries: number }
  | { type: 'startWave'; wave: number }
  | { type: 'assign'; wave: number; count: number }
  | { type: 'finishWave'; wave: number; soakUntil: string }
  | { type: 'advance'; from: number }
  | { type: 'complete' }
  | { type: 'halt'; reason: string }
  | { type: 'abort'; reason: string };

/** How many devices one assign action takes at most (one transaction; the rest on the next turn). */
export const ASSIGN_BATCH = 5_000;

/** Sums counts over waves. Pure. */
export function totalCounts(counts: readonly WaveCounts[]): WaveCounts {
  const total: WaveCounts = { devices: 0, queued: 0, assigned: 0, succeeded: 0, failed: 0, cancelled: 0 };
  for (const wave of counts)
    for (const key of Object.keys(total) as Array<keyof WaveCounts>) total[key] += wave[key];
  return total;
}
