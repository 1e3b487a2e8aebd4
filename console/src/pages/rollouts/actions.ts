/** What people may do to a rollout, and when each action makes sense (docs/rollouts.md). */
import type { Rollout } from './types';

export type RolloutAction = 'approve' | 'pause' | 'resume' | 'abort';

export interface ActionSpec {
  action: RolloutAction;
  /** The permission its route declares (rollouts.routes.ts). */
  permission: string;
  label: string;
  /** What the confirmation says it does. */
  effect: string;
  done: string;
  danger?: boolean;
}

export const ACTIONS: readonly ActionSpec[] = [
  {
    action: 'approve',
    permission: 'rollouts:approve',
    label: 'Approve',
    effect: 'Opens the gate: the waiting wave starts and its devices are told to update.',
    done: 'approved',
  },
  {
    action: 'pause',
    permission: 'rollouts:write',
    label: 'Pause',
    effect: 'No further device is assigned until it is resumed; assigned devices keep their assignment.',
    done: 'paused',
  },
  {
    action: 'resume',
    permission: 'rollouts:write',
    label: 'Resume',
    effect: 'The rollout goes on, accepting the failures so far.',
    done: 'resumed',
  },
  {
    action: 'abort',
    permission: 'rollouts:write',
    label: 'Abort',
    effect:
      'Ends the rollout: queued and assigned devices are cancelled and keep what they run. This cannot be undone.',
    done: 'aborted',
    danger: true,
  },
];

/**
 * The actions that fit the rollout's phase. Pure. The server decides (a 409 says why otherwise);
 * this only leaves out buttons that could only be refused. A rollout paused by its spec is resumed
 * by applying `paused: false`, so Resume is not offered for it.
 */
export function actionsFor(rollout: Rollout): RolloutAction[] {
  const phase = rollout.status?.phase ?? 'Pending';
  if (phase === 'Completed' || phase === 'Aborted') return [];
  const actions: RolloutAction[] = [];
  if (phase === 'WaitingApproval') actions.push('approve');
  if (phase === 'Paused') {
    if (!rollout.spec.paused) actions.push('resume');
  } else actions.push('pause');
  actions.push('abort');
  return actions;
}
