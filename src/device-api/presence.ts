/**
 * Heartbeats. A fleet checking in every minute must not write a row (nor a journal entry) per
 * call: check-ins only note the time in memory, and a flush writes every device seen since the
 * last one in one statement per few hundred devices. The Device reconciler copies lastSeen into
 * status; so as not to rewrite every device's status at every heartbeat, a device's reconciler is
 * woken at most once per `statusEveryMs` (as the kubelet reports node status far less often than
 * it renews its lease).
 */

import type { DeviceRecords } from '../devices/device-records.js';
import type { ChangeFeed } from '../store/change-feed.js';
import type { Database } from '../store/database.js';

export interface PresenceOptions {
  /** How often seen devices are written (default 2 s). */
  flushEveryMs?: number;
  /** How often at most a device's status is refreshed from its heartbeats (default 60 s). */
  statusEveryMs?: number;
}

export class PresenceWriter {
  private pending = new Map<string, { tenant: string; name: string; at: string }>();
  private readonly woken = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private readonly flushEveryMs: number;
  private readonly statusEveryMs: number;

  constructor(
    private readonly deps: {
      db: Database;
      records: DeviceRecords;
      changes: ChangeFeed;
      now: () => Date;
      onError: (error: unknown) => void;
    },
    options: PresenceOptions = {},
  ) {
    this.flushEveryMs = options.flushEveryMs ?? 2_000;
    this.statusEveryMs = options.statusEveryMs ?? 60_000;
    this.timer = setInterval(() => void this.flush(), this.flushEveryMs);
    this.timer.unref();
  }

  /** Notes that a device was seen now. O(1), no I/O. */
  seen(tenant: string, name: string): void {
    this.pending.set(`${tenant}/${name}`, { tenant, name, at: this.deps.now().toISOString() });
  }

  /** Writes what was seen since the last flush; flushes never overlap. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    try {
      await this.deps.records.touchMany(this.deps.db.knex, batch);
    } catch (error) {
      // Lost heartbeats are not lost state: the next one writes the time again.
      this.deps.onError(error);
      return;
    }
    const now = this.deps.now().getTime();
    const wake = batch.filter(({ tenant, name }) => {
      const key = `${tenant}/${name}`;
      const last = this.woken.get(key);
      if (last !== undefined && now - last < this.statusEveryMs) return false;
      this.woken.set(key, now);
      return true;
    });
    if (wake.length > 0)
      this.deps.changes.publish(wake.map(({ tenant, name }) => ({ tenant, kind: 'Device', name })));
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
