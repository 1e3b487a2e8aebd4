import { randomUUID } from 'node:crypto';
import { type Actor, systemContext } from '../context.js';
import type { JournalRecord, JournalWriter } from '../journal/journal-writer.js';
import type { ResourceStatus, StoredResource } from '../resources/model.js';
import type { Database } from '../store/database.js';
import type { ResourceStore } from '../store/resource-store.js';

/** One conditional status write and the journal entries of its condition transitions. */
export interface StatusWrite {
  /** The resource as read: its uid and resourceVersion make the write conditional. */
  resource: StoredResource;
  status: ResourceStatus;
  records: JournalRecord[];
  actor: Actor;
  updatedAt: string;
}

interface Pending extends StatusWrite {
  resolve(written: boolean): void;
  reject(error: unknown): void;
}

/**
 * Coalesces status writes of concurrent reconciles: writes arriving while a flush runs are
 * written together by the next one, in one transaction with one statement per chunk and one
 * journal append per tenant and controller. Each caller learns whether its own write landed (its
 * resourceVersion was still current) and its journal entries commit with it or not at all.
 */
export class StatusWriter {
  private pending: Pending[] = [];
  private flushing = false;

  constructor(
    private readonly db: Database,
    private readonly store: ResourceStore,
    private readonly journal: JournalWriter,
    private readonly maxBatch: number,
  ) {}

  /** Resolves true when written, false when the resource moved on (re-read and requeue). */
  write(write: StatusWrite): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.pending.push({ ...write, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        // Let the writes of reconciles finishing in the same turn join this batch.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxBatch);
      try {
        const written = await this.flush(batch);
        for (const write of batch) write.resolve(written.has(write.resource.uid));
      } catch (error) {
        for (const write of batch) write.reject(error);
      }
    }
    this.flushing = false;
  }

  private async flush(batch: Pending[]): Promise<Set<string>> {
    // One write per uid per batch: a key is reconciled by one worker at a time, so a second is a bug.
    return this.db.transaction(async (trx) => {
      const written = await this.store.writeStatusMany(
        trx,
        batch.map((write) => ({
          uid: write.resource.uid,
          status: write.status,
          expected: write.resource.resourceVersion,
          updatedAt: write.updatedAt,
        })),
      );
      const byTenantAndActor = new Map<string, { tenant: string; actor: Actor; records: JournalRecord[] }>();
      for (const write of batch) {
        if (write.records.length === 0 || !written.has(write.resource.uid)) continue;
        const id = `${write.resource.tenant}\u0000${write.actor.id}`;
        const group = byTenantAndActor.get(id) ?? {
          tenant: write.resource.tenant,
          actor: write.actor,
          records: [],
        };
        group.records.push(...write.records);
        byTenantAndActor.set(id, group);
      }
      const requestId = `reconcile-${randomUUID()}`;
      for (const group of byTenantAndActor.values())
        await this.journal.append(trx, systemContext(group.tenant, group.actor, requestId), group.records);
      return written;
    });
  }
}
