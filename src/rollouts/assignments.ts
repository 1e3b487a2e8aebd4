/**
 * The device side of rollouts, on the check-in path: what each device is told to install (its
 * active, assigned row with the artifact as the rollout fixed it, signature included), and what
 * its reports change (succeeded, failed, or a retry while attempts remain). Lookups go through the
 * unique index on a device's active row; many devices' lookups share one query.
 */
import type { Knex } from 'knex';
import { chunk, type Database, fromJsonColumn } from '../store/database.js';

/** What a device is told to install (the device API's Assignment). */
export interface Assignment {
  rollout: string;
  artifact: string;
  version: string;
  url: string;
  digest: string;
  size: number;
  platforms: string[];
  signature: string;
  keyId: string;
  attempt: number;
}

/** A device's report about an assignment (the device API's UpdateResult). */
export interface AssignmentReport {
  rollout: string;
  artifact: string;
  version: string;
  /** `succeeded` and `failed` end an attempt; other states change nothing. */
  state: string;
  message: string;
  /** 0 when the device did not say (an agent before attempts): taken as the current attempt. */
  attempt: number;
}

/** What a report did. */
export type ReportOutcome = 'succeeded' | 'failed' | 'retry' | 'ignored';

export class RolloutAssignments {
  private readonly listeners = new Set<(tenant: string) => void>();

  constructor(private readonly db: Database) {}

  /**
   * Tells this process's check-ins that a tenant's assignments changed (a wave assigned, a rollout
   * aborted or deleted), so they read them again at once; other processes read them within their
   * cache's second. Reports and status writes change no one else's assignment and do not call it.
   */
  changed(tenant: string): void {
    for (const listener of this.listeners) listener(tenant);
  }

  onChange(listener: (tenant: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The assignment of each `tenant/device` key (null: nothing to install). */
  async load(keys: readonly string[]): Promise<Array<Assignment | null>> {
    const found = new Map<string, Assignment>();
    const byTenant = new Map<string, string[]>();
    for (const key of keys) {
      const slash = key.indexOf('/');
      const tenant = key.slice(0, slash);
      byTenant.set(tenant, [...(byTenant.get(tenant) ?? []), key.slice(slash + 1)]);
    }
    for (const [tenant, names] of byTenant)
      for (const part of chunk(names, 1, 500)) {
        const rows: Array<{ device: string; rollout: string; attempts: number; artifact: unknown }> =
          await this.db
            .knex('rollout_devices as d')
            .join('rollout_states as s', (join) =>
              join.on('s.tenant', '=', 'd.tenant').andOn('s.uid', '=', 'd.rollout_uid'),
            )
            .where({ 'd.tenant': tenant, 'd.active': 1, 'd.state': 'assigned' })
            .whereIn('d.device', part)
            .select('d.device', 'd.rollout', 'd.attempts', 's.artifact');
        for (const row of rows) {
          const artifact = fromJsonColumn(row.artifact) as {
            name: string;
            version: string;
            digest: string;
            size: number;
            platforms: string[];
            url?: string;
            signature: string;
            keyId: string;
          } | null;
          if (!artifact) continue;
          found.set(`${tenant}/${row.device}`, {
            rollout: row.rollout,
            artifact: artifact.name,
            version: artifact.version,
            url: artifact.url ?? '',
            digest: artifact.digest,
            size: artifact.size,
            platforms: artifact.platforms,
            signature: artifact.signature,
            keyId: artifact.keyId,
            attempt: Number(row.attempts),
          });
        }
      }
    return keys.map((key) => found.get(key) ?? null);
  }

  /**
   * Applies a device's report to its active row of that rollout, inside the check-in's
   * transaction. Only a report for the attempt in progress counts (a late or repeated report
   * changes nothing); a failure with retries left becomes the next attempt.
   */
  async report(
    trx: Knex.Transaction,
    tenant: string,
    device: string,
    report: AssignmentReport,
    at: string,
  ): Promise<ReportOutcome> {
    if (report.state !== 'succeeded' && report.state !== 'failed') return 'ignored';
    const row: { attempts: number; retries: number; artifact: unknown } | undefined = await trx(
      'rollout_devices as d',
    )
      .join('rollout_states as s', (join) =>
        join.on('s.tenant', '=', 'd.tenant').andOn('s.uid', '=', 'd.rollout_uid'),
      )
      .where({
        'd.tenant': tenant,
        'd.device': device,
        'd.active': 1,
        'd.state': 'assigned',
        'd.rollout': report.rollout,
      })
      .first('d.attempts', 's.retries', 's.artifact');
    if (!row) return 'ignored';
    const artifact = fromJsonColumn(row.artifact) as {
      name?: string;
      version?: string;
    } | null;
    // A report about another artifact or version is not about this assignment.
    if (artifact?.name !== report.artifact || artifact.version !== report.version) return 'ignored';
    const attempts = Number(row.attempts);
    if (report.attempt !== 0 && report.attempt !== attempts) return 'ignored';
    const message = report.message.slice(0, 256) || null;
    const current = trx('rollout_devices').where({
      tenant,
      device,
      active: 1,
      state: 'assigned',
      rollout: report.rollout,
      attempts,
    });
    if (report.state === 'succeeded') {
      await current.update({ state: 'succeeded', active: null, finished_at: at, message });
      return 'succeeded';
    }
    if (attempts <= Number(row.retries)) {
      await current.update({ attempts: attempts + 1, assigned_at: at, message });
      return 'retry';
    }
    await current.update({ state: 'failed', active: null, finished_at: at, message });
    return 'failed';
  }
}
