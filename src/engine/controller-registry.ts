import { ConfigError } from '../errors.js';
import type { KindNames } from '../resources/kind.js';
import type { ResourceKey } from '../resources/model.js';
import type { AnyController, Watch } from './controller.js';

/**
 * The controllers of the registry's kinds, as the composition root bound them (one per line, from
 * the line's factory), checked at start-up: a kind without a controller, or a controller built
 * for another kind, fails the boot (the schema side is checked by the validator: a kind is a
 * schema, a reconciler and one registry line).
 */
export class ControllerRegistry {
  private readonly byKind = new Map<string, AnyController>();
  /** Every watch, including those derived from declared references, by watched kind. */
  private readonly watchesByKind = new Map<string, Array<{ owner: string; watch: Watch }>>();

  constructor(kinds: readonly KindNames[], controllers: readonly AnyController[]) {
    const served = new Set(kinds.map((kind) => kind.kind));
    for (const controller of controllers) {
      if (!served.has(controller.kind))
        throw new ConfigError(`a controller was built for ${controller.kind}, which no registry line names`);
      if (this.byKind.has(controller.kind))
        throw new ConfigError(`kind ${controller.kind} has two controllers: one registry line a kind`);
      this.byKind.set(controller.kind, controller);
    }
    const missing = kinds.filter((kind) => !this.byKind.has(kind.kind)).map((kind) => kind.kind);
    if (missing.length > 0)
      throw new ConfigError(
        `kind ${missing.join(', ')} has a schema and no controller: add controllers/<kind>.ts and name it on its line in src/kinds.ts`,
      );
    for (const controller of this.byKind.values()) {
      for (const watch of controller.watches ?? []) this.addWatch(controller.kind, watch);
      const referenced = new Set((controller.references ?? []).map((reference) => reference.kind));
      for (const target of referenced)
        this.addWatch(controller.kind, {
          kind: target,
          map: (changed, lookup) => lookup.referrers(controller.kind, changed),
        });
    }
  }

  get(kind: string): AnyController | undefined {
    return this.byKind.get(kind);
  }

  get kinds(): string[] {
    return [...this.byKind.keys()];
  }

  /** The watches to run for changes of `kind`. */
  watchesOf(kind: string): ReadonlyArray<{ owner: string; watch: Watch }> {
    return this.watchesByKind.get(kind) ?? [];
  }

  private addWatch(owner: string, watch: Watch): void {
    const list = this.watchesByKind.get(watch.kind) ?? [];
    list.push({ owner, watch });
    this.watchesByKind.set(watch.kind, list);
  }
}

/** Groups changed keys by kind (watches are per kind). Pure. */
export function byKind(keys: readonly ResourceKey[]): Map<string, ResourceKey[]> {
  const groups = new Map<string, ResourceKey[]>();
  for (const key of keys) {
    const group = groups.get(key.kind) ?? [];
    group.push(key);
    groups.set(key.kind, group);
  }
  return groups;
}
