/**
 * A rollout's devices one by one (GET /api/v1/rollouts/{name}/devices): wave, state, attempts,
 * the last message a device reported, times. Paged by device name like every list; filtered by
 * state and wave in SQL.
 */
import type { OperationContext } from '../context.js';
import { BadRequestError, NotFoundError } from '../errors.js';
import { decodeContinue, encodeContinue, parseLimit } from '../resources/resource-queries.js';
import type { Database } from '../store/database.js';
import type { ResourceStore } from '../store/resource-store.js';
import type { RolloutDeviceRow } from './rollout-tables.js';

const STATES = ['queued', 'assigned', 'succeeded', 'failed', 'cancelled', 'ineligible'];

export class RolloutDeviceList {
  constructor(
    private readonly db: Database,
    private readonly store: ResourceStore,
  ) {}

  async list(
    context: OperationContext,
    name: string,
    query: { state?: string; wave?: string; limit?: string; continue?: string },
  ) {
    context.authorize('rollouts:read');
    if (query.state !== undefined && !STATES.includes(query.state))
      throw new BadRequestError(`state must be one of ${STATES.join(', ')}, got "${query.state}"`);
    const wave = query.wave === undefined ? undefined : Number(query.wave);
    if (wave !== undefined && (!Number.isInteger(wave) || wave < 0 || wave > 20))
      throw new BadRequestError(`wave must be an integer from 0 (ineligible) to 20, got "${query.wave}"`);
    const limit = parseLimit(query.limit);
    const after = query.continue ? decodeContinue(query.continue) : undefined;
    const rollout = await this.store.get({ tenant: context.tenant, kind: 'Rollout', name });
    if (!rollout) throw new NotFoundError(`Rollout "${name}" not found`);
    const rows = await this.db
      .knex<RolloutDeviceRow>('rollout_devices')
      .where({ tenant: context.tenant, rollout_uid: rollout.uid })
      .modify((builder) => {
        if (query.state !== undefined) builder.where('state', query.state);
        if (wave !== undefined) builder.where('wave', wave);
        if (after !== undefined) builder.where('device', '>', after);
      })
      .orderBy('device')
      .limit(limit + 1);
    const items = rows.slice(0, limit).map((row: RolloutDeviceRow) => ({
      device: row.device,
      wave: Number(row.wave),
      state: row.state,
      ...(row.reason ? { reason: row.reason } : {}),
      attempts: Number(row.attempts),
      ...(row.assigned_at ? { assignedAt: row.assigned_at } : {}),
      ...(row.finished_at ? { finishedAt: row.finished_at } : {}),
      ...(row.message ? { message: row.message } : {}),
    }));
    return {
      apiVersion: 'steward.dev/v1',
      kind: 'RolloutDeviceList',
      metadata: rows.length > limit ? { continue: encodeContinue(items[items.length - 1].device) } : {},
      items,
    };
  }
}
