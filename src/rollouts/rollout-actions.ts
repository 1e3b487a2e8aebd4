/**
 * What people do to a running rollout (POST /api/v1/rollouts/{name}/approve|pause|resume|abort):
 * each is one step on the rollout's state row, journaled with its actor, after which the
 * reconciler takes the rollout from there. Approve needs `rollouts:approve`; the others
 * `rollouts:write`. A step that does not apply (approving a rollout that waits for nothing) is a
 * conflict that says what the rollout is doing instead.
 */
import type { OperationContext } from '../context.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { RolloutSpec, RolloutStatus } from '../kinds/generated/v1/rollout.js';
import type { StoredResource } from '../resources/model.js';
import type { ResourceStore } from '../store/resource-store.js';
import { totalCounts } from './rollout-model.js';
import type { RolloutProgressStore } from './rollout-progress.js';

export type RolloutActionName = 'approve' | 'pause' | 'resume' | 'abort';

export interface RolloutActionResult {
  apiVersion: 'steward.dev/v1';
  kind: 'RolloutAction';
  name: string;
  action: RolloutActionName;
  /** The wave approved (approve only). */
  wave?: number;
  message: string;
}

export class RolloutActions {
  constructor(
    private readonly deps: {
      store: ResourceStore;
      progress: RolloutProgressStore;
      now: () => Date;
    },
  ) {}

  async run(
    context: OperationContext,
    name: string,
    action: RolloutActionName,
    options: { reason?: string } = {},
  ): Promise<RolloutActionResult> {
    context.authorize(action === 'approve' ? 'rollouts:approve' : 'rollouts:write');
    const rollout = (await this.deps.store.get({
      tenant: context.tenant,
      kind: 'Rollout',
      name,
    })) as StoredResource<RolloutSpec, RolloutStatus> | null;
    if (!rollout) throw new NotFoundError(`Rollout "${name}" not found`);
    if (rollout.deletionTimestamp) throw new ConflictError(`Rollout "${name}" is being deleted`);
    const at = this.deps.now().toISOString();
    const who = context.actor.name;
    const result = (message: string, wave?: number): RolloutActionResult => ({
      apiVersion: 'steward.dev/v1',
      kind: 'RolloutAction',
      name,
      action,
      ...(wave !== undefined ? { wave } : {}),
      message,
    });
    let refusal: string | undefined;
    let approved: number | undefined;
    const ended = (state: {
      completed_at: string | null;
      aborted_at: string | null;
      aborted_by: string | null;
    }) =>
      state.completed_at
        ? `Rollout "${name}" completed at ${state.completed_at}`
        : state.aborted_at
          ? `Rollout "${name}" was aborted by ${state.aborted_by} at ${state.aborted_at}`
          : undefined;
    switch (action) {
      case 'approve': {
        await this.deps.progress.step(context, rollout, at, (state, waves) => {
          refusal = ended(state);
          if (refusal) return undefined;
          const wave = state.current_wave;
          const waveSpec = rollout.spec.strategy.waves[wave - 1];
          if (!state.started_at || wave === 0) {
            refusal = `Rollout "${name}" has not started: nothing waits for approval yet`;
            return undefined;
          }
          if (!waveSpec?.requireApproval || waves[wave - 1]?.startedAt || state.approved_wave >= wave) {
            refusal = `Rollout "${name}" is not waiting for approval: wave ${wave} of ${rollout.spec.strategy.waves.length} ${waves[wave - 1]?.startedAt ? 'is already running' : 'needs no approval'}`;
            return undefined;
          }
          approved = wave;
          waves[wave - 1] = { ...waves[wave - 1], approvedBy: who, approvedAt: at };
          return {
            update: { approved_wave: wave, waves },
            record: { operation: 'approve', result: 'approved', reason: `wave ${wave} approved` },
          };
        });
        if (refusal) throw new ConflictError(refusal);
        return result(`wave ${approved} approved`, approved);
      }
      case 'pause': {
        await this.deps.progress.step(context, rollout, at, (state) => {
          refusal =
            ended(state) ??
            (state.paused_by
              ? `Rollout "${name}" is already paused (by ${state.paused_by} at ${state.paused_at})`
              : undefined);
          if (refusal) return undefined;
          return {
            update: { paused_by: who, paused_at: at },
            record: {
              operation: 'pause',
              result: 'Paused',
              reason: options.reason ?? 'paused: no further device is assigned until resumed',
            },
          };
        });
        if (refusal) throw new ConflictError(refusal);
        return result('paused: devices already assigned keep their assignment; no new device is assigned');
      }
      case 'resume': {
        // The failures so far are accepted by the person resuming: the policy fires on new ones.
        const failed = totalCounts(
          (
            await this.deps.progress.progress(
              context.tenant,
              rollout.uid,
              rollout.spec.strategy.waves.length,
              this.deps.now(),
            )
          ).counts,
        ).failed;
        if (rollout.spec.paused)
          throw new ConflictError(
            `Rollout "${name}" is paused by its spec (spec.paused: true): apply it with paused: false to resume`,
          );
        await this.deps.progress.step(context, rollout, at, (state) => {
          refusal =
            ended(state) ??
            (!state.paused_by && !state.halted_reason ? `Rollout "${name}" is not paused` : undefined);
          if (refusal) return undefined;
          return {
            update: { paused_by: null, paused_at: null, halted_reason: null, acknowledged_failures: failed },
            record: {
              operation: 'resume',
              result: 'Progressing',
              reason: state.halted_reason
                ? `resumed after the failure policy paused it (${state.halted_reason}); the ${failed} failures so far are accepted`
                : 'resumed',
            },
          };
        });
        if (refusal) throw new ConflictError(refusal);
        return result('resumed');
      }
      case 'abort': {
        const reason = options.reason ?? `aborted by ${who}`;
        const done = await this.deps.progress.abort(context, rollout, reason, at);
        if (!done) {
          const state = await this.deps.progress.progress(
            context.tenant,
            rollout.uid,
            rollout.spec.strategy.waves.length,
            this.deps.now(),
          );
          throw new ConflictError(
            state.completedAt
              ? `Rollout "${name}" completed at ${state.completedAt}: there is nothing to abort`
              : `Rollout "${name}" was already aborted by ${state.aborted?.by} at ${state.aborted?.at}`,
          );
        }
        return result('aborted: no further device is told to install; devices keep what they run');
      }
    }
  }
}
