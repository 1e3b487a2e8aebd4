/**
 * Approving devices that enrolled with a token whose approval is manual (permission
 * `devices:approve`). Until then the device holds no certificate; once approved, its next Enroll
 * call with the same token collects one.
 */
import type { OperationContext } from '../context.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { JournalWriter } from '../journal/journal-writer.js';
import type { ChangeFeed } from '../store/change-feed.js';
import type { Database } from '../store/database.js';
import type { ResourceStore } from '../store/resource-store.js';
import type { DeviceRecords } from './device-records.js';

export class DeviceApprovals {
  constructor(
    private readonly deps: {
      db: Database;
      store: ResourceStore;
      records: DeviceRecords;
      journal: JournalWriter;
      changes: ChangeFeed;
      now: () => Date;
    },
  ) {}

  /**
   * @throws NotFoundError (no such Device in the caller's tenant), ConflictError (not waiting for
   *   approval, or being deleted).
   */
  async approve(context: OperationContext, name: string): Promise<{ name: string; approvedAt: string }> {
    context.authorize('devices:approve');
    const device = await this.deps.store.get({ tenant: context.tenant, kind: 'Device', name });
    if (!device) throw new NotFoundError(`Device "${name}" not found`);
    if (device.deletionTimestamp) throw new ConflictError(`Device "${name}" is being deleted`);
    const now = this.deps.now();
    await this.deps.db.transaction(async (trx) => {
      const record = await this.deps.records.get(context.tenant, name, trx);
      if (!(await this.deps.records.approve(trx, context.tenant, name, context.actor.name, now)))
        throw new ConflictError(
          record?.approval === 'approved'
            ? `Device "${name}" is already approved (by ${record.approved_by} at ${record.approved_at})`
            : `Device "${name}" is not waiting for approval: devices created through the API are approved by their creator`,
        );
      await this.deps.journal.append(trx, context, [
        {
          operation: 'approve',
          kind: 'Device',
          name,
          result: 'approved',
          changes: [{ pointer: '/status/approved', old: false, new: true }],
        },
      ]);
    });
    this.deps.changes.publish([{ tenant: context.tenant, kind: 'Device', name }]);
    return { name, approvedAt: now.toISOString() };
  }
}

/** Where devices reach this Steward: filled in once the device API listens (empty when it is off). */
export class DeviceApiEndpoint {
  url?: string;
  trustPem?: string;
}
