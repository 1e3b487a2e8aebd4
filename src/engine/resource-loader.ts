import type { ResourceKey, StoredResource } from '../resources/model.js';
import type { ResourceStore } from '../store/resource-store.js';

/**
 * Batches the engine's reads of the keys it is about to reconcile: loads asked for in the same
 * turn of the event loop become one query per tenant and kind. Each load still sees a state
 * committed after it was asked for, which is all a level-triggered reconcile needs.
 */
export class ResourceLoader {
  private pending = new Map<
    string,
    {
      key: ResourceKey;
      waiters: Array<(resource: StoredResource | null) => void>;
      fail: Array<(error: unknown) => void>;
    }
  >();

  constructor(private readonly store: ResourceStore) {}

  load(key: ResourceKey): Promise<StoredResource | null> {
    return new Promise((resolve, reject) => {
      const id = `${key.tenant}/${key.kind}/${key.name}`;
      const entry = this.pending.get(id) ?? { key, waiters: [], fail: [] };
      entry.waiters.push(resolve);
      entry.fail.push(reject);
      if (this.pending.size === 0) setImmediate(() => void this.flush());
      this.pending.set(id, entry);
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    const groups = new Map<string, { tenant: string; kind: string; names: string[] }>();
    for (const { key } of batch.values()) {
      const id = `${key.tenant}/${key.kind}`;
      const group = groups.get(id) ?? { tenant: key.tenant, kind: key.kind, names: [] };
      group.names.push(key.name);
      groups.set(id, group);
    }
    for (const group of groups.values()) {
      const ids = group.names.map((name) => `${group.tenant}/${group.kind}/${name}`);
      try {
        const found = new Map(
          (await this.store.getMany(group.tenant, group.kind, group.names)).map((resource) => [
            resource.name,
            resource,
          ]),
        );
        for (const id of ids) {
          const entry = batch.get(id);
          for (const resolve of entry?.waiters ?? []) resolve(found.get(entry!.key.name) ?? null);
        }
      } catch (error) {
        for (const id of ids) for (const reject of batch.get(id)?.fail ?? []) reject(error);
      }
    }
  }
}
