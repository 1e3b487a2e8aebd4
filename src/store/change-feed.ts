import type { ResourceKey } from '../resources/model.js';

export type ChangeListener = (keys: ResourceKey[]) => void;

/**
 * Tells whoever listens (the engine's queue) which resources changed, after their transaction
 * committed. The store stays ignorant of the engine; the engine never misses a committed write
 * because a periodic resync re-enqueues everything anyway.
 */
export class ChangeFeed {
  private readonly listeners = new Set<ChangeListener>();

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(keys: ResourceKey[]): void {
    if (keys.length === 0) return;
    for (const listener of this.listeners) listener(keys);
  }
}
