import { Logger } from '@nestjs/common';
import type { JournalWriter } from '../journal/journal-writer.js';
import type { KindNames } from '../resources/kind.js';
import { keyString, type ResourceKey } from '../resources/model.js';
import type { ChangeFeed } from '../store/change-feed.js';
import type { Database } from '../store/database.js';
import type { ResourceStore } from '../store/resource-store.js';
import { jittered } from './backoff.js';
import type { AnyController, WatchLookup } from './controller.js';
import { byKind, ControllerRegistry } from './controller-registry.js';
import type { EngineConfig } from './engine-config.js';
import { EngineMetrics } from './metrics.js';
import { BullQueue } from './queue/bullmq-queue.js';
import { InProcessQueue } from './queue/in-process-queue.js';
import { type Clock, SYSTEM_CLOCK, type WorkQueue } from './queue/work-queue.js';
import { KeyReconciler } from './reconciler.js';
import { ReferenceIndex } from './reference-index.js';
import { ResourceLoader } from './resource-loader.js';
import { StatusWriter } from './status-writer.js';

export interface EngineDeps {
  db: Database;
  store: ResourceStore;
  journal: JournalWriter;
  changes: ChangeFeed;
  kinds: readonly KindNames[];
  /** The controller of every kind, built once by the composition root from the registry lines. */
  controllers: readonly AnyController[];
  config: EngineConfig;
  /** Set: BullMQ on this Redis; unset: the in-process queue. */
  redisUrl?: string;
  /** Time for controllers and status (`now`) and for the in-process queue's timers. */
  clock?: Clock;
  random?: () => number;
}

/** Resync periods vary by ±10% so that processes (and restarts) do not resync in lockstep. */
const RESYNC_JITTER = 0.1;

/**
 * The reconcile engine (DESIGN §6): subscribes to the store's change feed, queues keys, runs the
 * controllers' reconciles on bounded workers, wakes dependents, and resyncs periodically so that
 * a lost event is never lost state.
 */
export class Engine {
  readonly metrics = new EngineMetrics();
  readonly registry: ControllerRegistry;
  readonly queue: WorkQueue;
  readonly refs: ReferenceIndex;
  private readonly reconciler: KeyReconciler;
  private readonly logger = new Logger('engine');
  private readonly clock: Clock;
  private unsubscribe?: () => void;
  private resyncTimer?: unknown;
  private stopped = false;
  private pendingWakes: ResourceKey[] = [];

  constructor(private readonly deps: EngineDeps) {
    this.clock = deps.clock ?? SYSTEM_CLOCK;
    this.registry = new ControllerRegistry(deps.kinds, deps.controllers);
    this.refs = new ReferenceIndex(deps.db);
    // Disabled (STEWARD_ENGINE=off): nothing connects to Redis and nothing runs.
    this.queue =
      deps.redisUrl && deps.config.enabled
        ? new BullQueue({
            redisUrl: deps.redisUrl,
            prefix: deps.config.queuePrefix,
            concurrency: deps.config.workers,
            lockDurationMs: deps.config.lockSeconds * 1000,
            isUrgent: urgentKinds(deps.controllers),
          })
        : new InProcessQueue(deps.config.workers, this.clock, urgentKinds(deps.controllers));
    this.metrics.observeQueue(this.queue);
    const statusWriter = new StatusWriter(deps.db, deps.store, deps.journal, deps.config.statusBatch);
    this.reconciler = new KeyReconciler({
      db: deps.db,
      store: deps.store,
      journal: deps.journal,
      refs: this.refs,
      loader: new ResourceLoader(deps.store),
      statusWriter,
      registry: this.registry,
      metrics: this.metrics,
      backoff: deps.config.backoff,
      now: () => new Date(this.clock.now()),
      random: deps.random,
      wakeDependents: (keys, cause) =>
        cause === 'status' ? this.wakeSoon(keys) : void this.wakeDependents(keys, cause),
      enqueue: (keys) => void this.enqueue(keys),
      forget: (key) => this.queue.forget(key),
    });
  }

  /** Subscribes to changes, starts the workers, queues what a restart may have left waiting, arms resync. */
  async start(): Promise<void> {
    if (!this.deps.config.enabled) return;
    this.unsubscribe = this.deps.changes.subscribe((keys) => void this.changed(keys));
    await this.queue.start((key) => this.reconciler.handle(key));
    // The in-process queue keeps requeueAfter timers in memory only: a restart forgets that a
    // rollout was soaking or a certificate due for renewal. So that a restart loses no wake-up,
    // it queues every resource once (the periodic resync's work); BullMQ keeps delayed keys in
    // Redis, so there only what is not converged needs queueing.
    if (this.queue.backend === 'in-process') await this.resyncAll();
    else await this.enqueueUnconverged();
    this.armResync();
  }

  /** Stops taking keys and waits for the reconciles in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.resyncTimer !== undefined) this.clock.clearTimeout(this.resyncTimer);
    await this.queue.close();
  }

  /** A committed user write (apply, delete): the keys themselves and what depends on them. */
  async changed(keys: ResourceKey[]): Promise<void> {
    await this.enqueue(keys);
    await this.wakeDependents(keys, 'write');
  }

  /** Status writes finishing in the same turn wake their dependents in one batch. */
  private wakeSoon(keys: ResourceKey[]): void {
    this.pendingWakes.push(...keys);
    if (this.pendingWakes.length !== keys.length) return;
    setImmediate(() => {
      const batch = this.pendingWakes;
      this.pendingWakes = [];
      void this.wakeDependents(batch, 'status');
    });
  }

  /** Queues keys as they are (no fan-out). */
  async enqueue(keys: ResourceKey[]): Promise<void> {
    if (this.stopped || keys.length === 0) return;
    try {
      await this.queue.add(keys.map(keyString));
    } catch (error) {
      // Resync will queue them again; the write itself is committed.
      this.logger.error(`cannot queue ${keys.length} key(s): ${(error as Error).message}`);
    }
  }

  /**
   * Queues the resources whose controllers watch the changed keys' kinds (by the reference index
   * or their own mapping). Never the changed keys themselves: a status write does not re-trigger
   * its own controller.
   */
  async wakeDependents(keys: ResourceKey[], cause: 'write' | 'status'): Promise<void> {
    if (this.stopped) return;
    const lookup: WatchLookup = {
      referrers: (fromKind, targets) => this.refs.referrers(fromKind, targets),
      allOf: (kind, tenants) => this.deps.store.keysOf(kind, tenants),
    };
    const self = new Set(keys.map(keyString));
    for (const [kind, changed] of byKind(keys)) {
      for (const { owner, watch } of this.registry.watchesOf(kind)) {
        if (cause === 'status' && watch.statusChanges === false) continue;
        try {
          const woken = (await watch.map(changed, lookup)).filter((key) => !self.has(keyString(key)));
          await this.enqueue(woken);
        } catch (error) {
          this.logger.error(`watch of ${owner} on ${kind} failed: ${(error as Error).message}`);
        }
      }
    }
  }

  /** Queues every resource (resync); returns how many keys were queued. */
  async resyncAll(): Promise<number> {
    let count = 0;
    for await (const page of this.deps.store.keys()) {
      if (this.stopped) break;
      await this.enqueue(page.map(({ tenant, kind, name }) => ({ tenant, kind, name })));
      count += page.length;
    }
    return count;
  }

  /** At start-up: every resource whose status does not reflect its generation. */
  async enqueueUnconverged(): Promise<number> {
    let count = 0;
    for await (const page of this.deps.store.keys()) {
      const pending = page.filter((key) => key.observedGeneration !== key.generation);
      await this.enqueue(pending.map(({ tenant, kind, name }) => ({ tenant, kind, name })));
      count += pending.length;
    }
    return count;
  }

  /**
   * A plain re-armed timer rather than @nestjs/schedule: the engine is built by the composition
   * root, not by Nest, and each period draws a new ±10% jitter, which a fixed interval cannot.
   * With BullMQ, one process per period claims the resync (a Redis key with a TTL).
   */
  private armResync(): void {
    const seconds = this.deps.config.resyncSeconds;
    if (seconds <= 0 || this.stopped) return;
    const period = jittered(seconds * 1000, RESYNC_JITTER, this.deps.random);
    this.resyncTimer = this.clock.setTimeout(() => void this.resync(period), period);
  }

  private async resync(period: number): Promise<void> {
    try {
      if (await this.queue.claim('resync', Math.floor(period * 0.9))) {
        const count = await this.resyncAll();
        this.logger.debug(`resync queued ${count} key(s)`);
      }
    } catch (error) {
      this.logger.error(`resync failed: ${(error as Error).message}`);
    }
    this.armResync();
  }
}

/** Whether a queued key (`tenant/kind/name`) is of a kind whose controller asks for priority. */
function urgentKinds(controllers: readonly AnyController[]): (key: string) => boolean {
  const kinds = new Set(
    controllers.filter((controller) => controller.priority === 'high').map((c) => c.kind),
  );
  if (kinds.size === 0) return () => false;
  return (key) => kinds.has(key.slice(key.indexOf('/') + 1, key.indexOf('/', key.indexOf('/') + 1)));
}
