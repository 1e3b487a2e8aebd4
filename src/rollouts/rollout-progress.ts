/**
 * The rollout's progress in the database: read as counts for the reconciler, and moved one step
 * per action, each step one transaction with its journal entry. Steps are written so that a crash
 * and a repeat are harmless: a device moves from queued to assigned once (the update names the
 * state it leaves), a wave opens, closes or advances only from the state it expects, and the start
 * writes every device's wave at once or nothing.
 */
import type { Knex } from 'knex';
import type { ArtifactSignatureRow } from '../artifacts/artifact-tables.js';
import type { OperationContext } from '../context.js';
import type { JournalRecord, JournalWriter } from '../journal/journal-writer.js';
import type { ArtifactSpec } from '../kinds/generated/v1/artifact.js';
import type { RolloutSpec, RolloutStatus } from '../kinds/generated/v1/rollout.js';
import type { StoredResource } from '../resources/model.js';
import type { ChangeFeed } from '../store/change-feed.js';
import { chunk, type Database, type Executor, fromJsonColumn } from '../store/database.js';
import type { ResourceStore } from '../store/resource-store.js';
import type { RolloutAssignments } from './assignments.js';
import type { RolloutAction, RolloutProgress, WaveCounts, WaveRecord } from './rollout-model.js';
import type { RolloutDeviceRow, RolloutStateRow } from './rollout-tables.js';
import { targetDevices } from './rollout-target.js';
import { planWaves } from './waves.js';

const DEVICES = 'rollout_devices';
const STATES = 'rollout_states';
const MINUTE = 60_000;

type Rollout = StoredResource<RolloutSpec, RolloutStatus>;

export class RolloutProgressStore {
  constructor(
    private readonly deps: {
      db: Database;
      store: ResourceStore;
      journal: JournalWriter;
      changes: ChangeFeed;
      /** Told when assignments change, so check-ins in this process read them again. */
      assignments?: RolloutAssignments;
    },
  ) {}

  /** The progress of the rollout with `uid` (defaults before it started). */
  async progress(tenant: string, uid: string, waveCount: number, now: Date): Promise<RolloutProgress> {
    const knex = this.deps.db.knex;
    const [state, groups, window] = await Promise.all([
      knex<RolloutStateRow>(STATES).where({ tenant, uid }).first(),
      knex<RolloutDeviceRow>(DEVICES)
        .where({ tenant, rollout_uid: uid })
        .groupBy('wave', 'state', 'reason')
        .select('wave', 'state', 'reason', knex.raw('count(*) as count')) as Promise<
        Array<{ wave: number; state: string; reason: string | null; count: number | string }>
      >,
      knex(DEVICES)
        .where({ tenant, rollout_uid: uid })
        .where('assigned_at', '>', new Date(now.getTime() - MINUTE).toISOString())
        .select(knex.raw('count(*) as count'), knex.raw('min(assigned_at) as oldest'))
        .first() as Promise<{ count: number | string; oldest: string | null } | undefined>,
    ]);
    const counts: WaveCounts[] = Array.from({ length: waveCount }, () => ({
      devices: 0,
      queued: 0,
      assigned: 0,
      succeeded: 0,
      failed: 0,
      cancelled: 0,
    }));
    const ineligible: Record<string, number> = {};
    let targeted = 0;
    for (const group of groups) {
      const count = Number(group.count);
      targeted += count;
      if (group.state === 'ineligible') {
        const reason = group.reason ?? 'Unknown';
        ineligible[reason] = (ineligible[reason] ?? 0) + count;
        continue;
      }
      const wave = counts[Number(group.wave) - 1];
      if (!wave) continue;
      wave.devices += count;
      if (group.state in wave && group.state !== 'devices') wave[group.state as keyof WaveCounts] += count;
    }
    const assignedLastMinute = Number(window?.count ?? 0);
    return {
      startedAt: state?.started_at ?? null,
      currentWave: state?.current_wave ?? 0,
      approvedWave: state?.approved_wave ?? 0,
      waves: fromJsonColumn<WaveRecord[]>(state?.waves) ?? [],
      pausedBy: state?.paused_by ?? null,
      haltedReason: state?.halted_reason ?? null,
      acknowledgedFailures: state?.acknowledged_failures ?? 0,
      aborted:
        state?.aborted_at && state.aborted_by
          ? { by: state.aborted_by, at: state.aborted_at, reason: state.abort_reason ?? '' }
          : null,
      completedAt: state?.completed_at ?? null,
      retries: state?.retries ?? 0,
      artifact: state?.artifact
        ? (({ name, version }) => ({ name, version }))(
            fromJsonColumn<{ name: string; version: string }>(state.artifact) ?? { name: '', version: '' },
          )
        : null,
      counts,
      targeted,
      ineligible,
      assignedLastMinute,
      ...(assignedLastMinute > 0 && window?.oldest
        ? { windowFreesAt: new Date(new Date(window.oldest).getTime() + MINUTE).toISOString() }
        : {}),
    };
  }

  /** Performs one step the reconciler decided. Idempotent. */
  async act(context: OperationContext, rollout: Rollout, action: RolloutAction, now: Date): Promise<unknown> {
    const at = now.toISOString();
    switch (action.type) {
      case 'start':
        return this.start(context, rollout, now);
      case 'syncRetries':
        await this.deps.db
          .knex(STATES)
          .where({ tenant: rollout.tenant, uid: rollout.uid })
          .update({ retries: action.retries, updated_at: at });
        return;
      case 'assign':
        return this.assign(context, rollout, action.wave, action.count, at);
      case 'startWave':
        return this.step(context, rollout, at, (state, waves) => {
          if (state.current_wave !== action.wave || waves[action.wave - 1]?.startedAt) return undefined;
          waves[action.wave - 1] = { ...waves[action.wave - 1], startedAt: at };
          return {
            update: { waves },
            record: { result: 'WaveStarted', reason: `wave ${action.wave} started` },
          };
        });
      case 'finishWave':
        return this.step(context, rollout, at, (state, waves) => {
          if (state.current_wave !== action.wave || waves[action.wave - 1]?.finishedAt) return undefined;
          waves[action.wave - 1] = { ...waves[action.wave - 1], finishedAt: at, soakUntil: action.soakUntil };
          return {
            update: { waves },
            record: {
              result: 'WaveSucceeded',
              reason: `wave ${action.wave} reached its success threshold${action.soakUntil > at ? `; soaking until ${action.soakUntil}` : ''}`,
            },
          };
        });
      case 'advance':
        return this.step(context, rollout, at, (state) => {
          if (state.current_wave !== action.from) return undefined;
          return {
            update: { current_wave: action.from + 1 },
            record: {
              result: rollout.spec.strategy.waves[action.from]?.requireApproval
                ? 'WaitingApproval'
                : 'Progressing',
              reason: `advanced to wave ${action.from + 1}${rollout.spec.strategy.waves[action.from]?.requireApproval ? ', which waits for approval' : ''}`,
            },
          };
        });
      case 'complete':
        return this.step(context, rollout, at, (state) => {
          if (state.completed_at || state.aborted_at) return undefined;
          return {
            update: { completed_at: at },
            record: { result: 'Completed', reason: 'every wave succeeded' },
          };
        });
      case 'halt':
        return this.step(context, rollout, at, (state) => {
          if (state.halted_reason || state.aborted_at) return undefined;
          return {
            update: { halted_reason: action.reason.slice(0, 512), paused_at: at },
            record: { result: 'Paused', reason: action.reason },
          };
        });
      case 'abort':
        return this.abort(context, rollout, action.reason, at);
    }
  }

  /**
   * Aborts: no device is told anything more; queued and assigned devices are cancelled (devices
   * keep what they run). Journaled with `context`'s actor. False when it had already ended.
   */
  async abort(
    context: OperationContext,
    rollout: Pick<Rollout, 'tenant' | 'uid' | 'name'>,
    reason: string,
    at: string,
  ): Promise<boolean> {
    let aborted = false;
    await this.step(context, rollout, at, (state) => {
      if (state.completed_at || state.aborted_at) return undefined;
      aborted = true;
      return {
        update: { aborted_at: at, aborted_by: context.actor.name, abort_reason: reason.slice(0, 512) },
        record: { result: 'Aborted', reason },
        also: (trx) => this.cancelActive(trx, rollout.tenant, rollout.uid),
      };
    });
    if (aborted) this.deps.assignments?.changed(rollout.tenant);
    return aborted;
  }

  /** The finalizer's cleanup: active devices are released, then the rollout's rows go. */
  async forget(context: OperationContext, rollout: Pick<Rollout, 'tenant' | 'uid' | 'name'>): Promise<void> {
    await this.deps.db.transaction(async (trx) => {
      await trx(DEVICES).where({ tenant: rollout.tenant, rollout_uid: rollout.uid }).delete();
      const removed = await trx(STATES).where({ tenant: rollout.tenant, uid: rollout.uid }).delete();
      if (Number(removed) > 0)
        await this.deps.journal.append(trx, context, [
          {
            operation: 'release',
            kind: 'Rollout',
            name: rollout.name,
            result: 'released',
            reason: 'the rollout was deleted: its devices are free for other rollouts',
          },
        ]);
    });
    this.publish(rollout);
    this.deps.assignments?.changed(rollout.tenant);
  }

  /**
   * One step on the state row, read and written in one transaction (locked on PostgreSQL, where
   * an action may race the reconciler). `change` returns undefined when the step was already taken.
   */
  async step(
    context: OperationContext,
    rollout: Pick<Rollout, 'tenant' | 'uid' | 'name'>,
    at: string,
    change: (
      state: RolloutStateRow,
      waves: WaveRecord[],
    ) =>
      | {
          update: Partial<RolloutStateRow>;
          record: Omit<JournalRecord, 'operation' | 'kind' | 'name'> & { operation?: string };
          also?: (trx: Knex.Transaction) => Promise<void>;
        }
      | undefined,
  ): Promise<boolean> {
    const done = await this.deps.db.transaction(async (trx) => {
      const state = await this.lockState(trx, rollout);
      const decided = change(state, fromJsonColumn<WaveRecord[]>(state.waves) ?? []);
      if (!decided) return false;
      const update: Record<string, unknown> = { ...decided.update, updated_at: at };
      if (update.waves !== undefined) update.waves = JSON.stringify(update.waves);
      await trx(STATES).where({ tenant: rollout.tenant, uid: rollout.uid }).update(update);
      await decided.also?.(trx);
      await this.deps.journal.append(trx, context, [
        {
          operation: decided.record.operation ?? 'transition',
          kind: 'Rollout',
          name: rollout.name,
          ...decided.record,
        },
      ]);
      return true;
    });
    if (done) this.publish(rollout);
    return done;
  }

  /** The state row, created (not started) when an action comes before the first reconcile. */
  private async lockState(
    trx: Knex.Transaction,
    rollout: Pick<Rollout, 'tenant' | 'uid' | 'name'>,
  ): Promise<RolloutStateRow> {
    const read = () =>
      trx<RolloutStateRow>(STATES)
        .where({ tenant: rollout.tenant, uid: rollout.uid })
        .modify((query) => {
          if (this.deps.db.dialect === 'postgresql') query.forUpdate();
        })
        .first();
    const found = await read();
    if (found) return found;
    await trx(STATES)
      .insert(emptyState(rollout, new Date().toISOString()))
      .onConflict(['tenant', 'uid'])
      .ignore();
    return (await read()) as RolloutStateRow;
  }

  private async cancelActive(trx: Executor, tenant: string, uid: string): Promise<void> {
    await trx(DEVICES)
      .where({ tenant, rollout_uid: uid, active: 1 })
      .update({ state: 'cancelled', active: null });
  }

  /**
   * Fixes the target: every device the target names now gets its rank and wave, or the reason it
   * is ineligible, and the artifact as devices will be told it (with its signature) is copied, all
   * in one transaction. A device taken by another rollout meanwhile fails the transaction (the
   * unique index on active rows), and the next try sees it busy.
   */
  private async start(context: OperationContext, rollout: Rollout, now: Date): Promise<void> {
    const { tenant } = rollout;
    const knex = this.deps.db.knex;
    const artifact = (await this.deps.store.get({
      tenant,
      kind: 'Artifact',
      name: rollout.spec.artifactRef.name,
    })) as StoredResource<ArtifactSpec> | null;
    if (!artifact) throw new Error(`Artifact "${rollout.spec.artifactRef.name}" does not exist`);
    const signature = await knex<ArtifactSignatureRow>('artifact_signatures')
      .where({ tenant, name: artifact.name, uid: artifact.uid })
      .first();
    if (!signature) throw new Error(`Artifact "${artifact.name}" has no signature`);
    const devices = await targetDevices(this.deps, rollout, artifact.spec.version);
    const planned = planWaves(rollout.uid, devices, {
      platforms: artifact.spec.platforms,
      requireHighAssurance: rollout.spec.requireAssurance === 'high',
      percents: rollout.spec.strategy.waves.map((wave) => wave.percent),
    });
    const at = now.toISOString();
    const rows: RolloutDeviceRow[] = planned.map((device) => ({
      tenant,
      rollout_uid: rollout.uid,
      rollout: rollout.name,
      device: device.name,
      wave: device.wave,
      rank: device.rank,
      state: device.ineligible ? 'ineligible' : device.alreadyInstalled ? 'succeeded' : 'queued',
      reason: device.ineligible ?? (device.alreadyInstalled ? 'AlreadyInstalled' : null),
      attempts: 0,
      active: device.ineligible || device.alreadyInstalled ? null : 1,
      assigned_at: null,
      finished_at: device.alreadyInstalled ? at : null,
      message: device.alreadyInstalled ? 'already runs this version' : null,
    }));
    const snapshot = {
      name: artifact.name,
      version: artifact.spec.version,
      digest: artifact.spec.digest,
      size: artifact.spec.size,
      platforms: artifact.spec.platforms,
      ...(artifact.spec.url ? { url: artifact.spec.url } : {}),
      signature: signature.signature,
      keyId: signature.key_id,
    };
    const eligible = planned.filter((device) => !device.ineligible);
    const reasons = new Map<string, number>();
    for (const device of planned)
      if (device.ineligible) reasons.set(device.ineligible, (reasons.get(device.ineligible) ?? 0) + 1);
    await this.deps.db.transaction(async (trx) => {
      const state = await this.lockState(trx, rollout);
      if (state.started_at) return;
      // At most 500 rows a statement: knex writes SQLite's multi-row insert with ON CONFLICT as a
      // compound SELECT, and SQLite allows 500 terms in one.
      for (const part of chunk(rows, 13, Math.min(this.deps.db.maxParameters, 13 * 500)))
        await trx(DEVICES).insert(part).onConflict().ignore();
      const [{ count }] = await trx(DEVICES)
        .where({ tenant, rollout_uid: rollout.uid })
        .count({ count: '*' });
      if (Number(count) !== rows.length)
        throw new Error('a targeted device joined another rollout while this one started; starting again');
      await trx(STATES)
        .where({ tenant, uid: rollout.uid })
        .update({
          started_at: at,
          artifact: JSON.stringify(snapshot),
          retries: rollout.spec.strategy.retries ?? 0,
          current_wave: 1,
          updated_at: at,
        });
      await this.deps.journal.append(trx, context, [
        {
          operation: 'start',
          kind: 'Rollout',
          name: rollout.name,
          generation: rollout.generation,
          result: 'Progressing',
          reason: `${artifact.name}@${artifact.spec.version} (signed by ${signature.key_id}) to ${eligible.length} of ${planned.length} targeted devices in ${rollout.spec.strategy.waves.length} waves${reasons.size > 0 ? `; ineligible: ${[...reasons].map(([reason, n]) => `${n} ${reason}`).join(', ')}` : ''}`,
        },
      ]);
    });
    this.publish(rollout);
  }

  /** Moves up to `count` queued devices of waves up to `wave` to assigned, lowest rank first. */
  private async assign(
    context: OperationContext,
    rollout: Rollout,
    wave: number,
    count: number,
    at: string,
  ): Promise<void> {
    const { tenant, uid } = rollout;
    const assigned = await this.deps.db.transaction(async (trx) => {
      const names: string[] = await trx(DEVICES)
        .where({ tenant, rollout_uid: uid, state: 'queued' })
        .where('wave', '<=', wave)
        .orderBy([{ column: 'wave' }, { column: 'rank' }])
        .limit(count)
        .pluck('device');
      let moved = 0;
      for (const part of chunk(names, 1, 500))
        moved += Number(
          await trx(DEVICES)
            .where({ tenant, rollout_uid: uid, state: 'queued' })
            .whereIn('device', part)
            .update({ state: 'assigned', attempts: 1, assigned_at: at }),
        );
      if (moved > 0)
        await this.deps.journal.append(trx, context, [
          {
            operation: 'assign',
            kind: 'Rollout',
            name: rollout.name,
            result: 'assigned',
            reason: `${moved} devices of wave ${wave} are told to install the artifact at their next check-in`,
          },
        ]);
      return moved;
    });
    if (assigned > 0) {
      this.publish(rollout);
      this.deps.assignments?.changed(rollout.tenant);
    }
  }

  private publish(rollout: Pick<Rollout, 'tenant' | 'name'>): void {
    this.deps.changes.publish([{ tenant: rollout.tenant, kind: 'Rollout', name: rollout.name }]);
  }
}

function emptyState(rollout: Pick<Rollout, 'tenant' | 'uid' | 'name'>, at: string): RolloutStateRow {
  return {
    tenant: rollout.tenant,
    uid: rollout.uid,
    name: rollout.name,
    started_at: null,
    artifact: null,
    retries: 0,
    current_wave: 0,
    approved_wave: 0,
    waves: JSON.stringify([]) as unknown as WaveRecord[],
    paused_by: null,
    paused_at: null,
    halted_reason: null,
    acknowledged_failures: 0,
    aborted_by: null,
    aborted_at: null,
    abort_reason: null,
    completed_at: null,
    updated_at: at,
  };
}
