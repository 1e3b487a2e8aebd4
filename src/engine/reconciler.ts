import { performance } from 'node:perf_hooks';
import { Logger } from '@nestjs/common';
import { type Actor, systemContext } from '../context.js';
import { TerminalError } from '../errors.js';
import type { JournalWriter } from '../journal/journal-writer.js';
import { type Logger as PinoLogger, processLogger } from '../observability/log.js';
import type { ResourceKey, ResourceStatus, StoredResource } from '../resources/model.js';
import type { Database } from '../store/database.js';
import type { ResourceStore } from '../store/resource-store.js';
import { type BackoffPolicy, backoffDelay } from './backoff.js';
import {
  type AnyController,
  type ConditionInput,
  type ControllerLogger,
  type ControllerToolbox,
  DELETING,
  type FinalizeResult,
  READY,
  STALLED,
  type TenantReader,
} from './controller.js';
import type { ControllerRegistry } from './controller-registry.js';
import type { EngineMetrics, ReconcileOutcome } from './metrics.js';
import type { HandlerOutcome } from './queue/work-queue.js';
import { observePlanAct } from './reconcile-loop.js';
import type { ReferenceIndex } from './reference-index.js';
import type { ResourceLoader } from './resource-loader.js';
import { composeStatus, observedOf, statusChanged, transitionRecords, withoutConditions } from './status.js';
import type { StatusWriter } from './status-writer.js';

/** A finalizer that is not done and names no delay is asked again after this long (wake-ups come sooner). */
const FINALIZE_RETRY_MS = 60_000;

export interface ReconcilerDeps {
  db: Database;
  store: ResourceStore;
  journal: JournalWriter;
  refs: ReferenceIndex;
  loader: ResourceLoader;
  statusWriter: StatusWriter;
  registry: ControllerRegistry;
  metrics: EngineMetrics;
  backoff: BackoffPolicy;
  now: () => Date;
  random?: () => number;
  /** Wakes what depends on changed keys (never the keys themselves). */
  wakeDependents(keys: ResourceKey[], cause: 'write' | 'status'): void;
  /** Queues keys (targets of a removed resource's references). */
  enqueue(keys: ResourceKey[]): void;
  forget(key: string): Promise<void>;
}

export function parseKey(text: string): ResourceKey | undefined {
  const parts = text.split('/');
  if (parts.length !== 3 || parts.some((part) => part === '')) return undefined;
  return { tenant: parts[0], kind: parts[1], name: parts[2] };
}

export function controllerActor(kind: string): Actor {
  const id = `${kind.toLowerCase()}-controller`;
  return { type: 'controller', id, name: id };
}

type Step = { outcome: ReconcileOutcome; requeueAfter?: number };

/**
 * The generic reconcile of one key (DESIGN §8 "a reconcile"): load → index references → finalize
 * or observe → plan → act (reconcile-loop.ts) → conditional status write with journaled transitions → wake dependents. Crash
 * safety: every step is idempotent or conditional on resourceVersion, so a key handed out again
 * after a crash (or a stale lock) converges instead of double-acting.
 */
export class KeyReconciler {
  private readonly failures = new Map<string, number>();
  private readonly logger = new Logger('engine');

  constructor(private readonly deps: ReconcilerDeps) {}

  /** The queue's handler: never throws. */
  async handle(keyText: string): Promise<HandlerOutcome> {
    const key = parseKey(keyText);
    const controller = key && this.deps.registry.get(key.kind);
    if (!key || !controller) {
      this.logger.warn(`dropping key "${keyText}": no controller`);
      return {};
    }
    // Every line of this reconcile, the controller's included, names the key (and the generation).
    const log = processLogger().child({ component: 'engine', key: keyText, kind: key.kind });
    const started = performance.now();
    let step: Step;
    try {
      step = await this.reconcileKey(key, keyText, controller, log);
    } catch (error) {
      step = this.transientFailure(keyText, key, error, log);
    }
    this.deps.metrics.recordReconcile(key.kind, step.outcome, (performance.now() - started) / 1000);
    return { requeueAfter: step.requeueAfter };
  }

  private async reconcileKey(
    key: ResourceKey,
    keyText: string,
    controller: AnyController,
    log: PinoLogger,
  ): Promise<Step> {
    const resource = await this.deps.loader.load(key);
    if (!resource) {
      this.failures.delete(keyText);
      if (controller.references?.length) {
        const targets = await this.deps.refs.remove(key);
        if (targets.length > 0) this.deps.enqueue(targets);
      }
      await this.deps.forget(keyText);
      return { outcome: 'gone' };
    }
    log.setBindings({ generation: resource.generation });
    // Before the controller reads its dependencies: see ReferenceIndex for why this order.
    if (controller.references?.length) await this.deps.refs.sync(resource, controller.references);
    const toolbox = this.toolbox(resource, log);
    if (resource.deletionTimestamp) return this.finalize(resource, keyText, controller, toolbox);

    let current = resource;
    if (controller.finalizer && !current.finalizers.includes(controller.finalizer)) {
      const next: StoredResource = {
        ...current,
        finalizers: [...current.finalizers, controller.finalizer],
        resourceVersion: current.resourceVersion + 1,
        updatedAt: this.deps.now().toISOString(),
      };
      if (!(await this.deps.store.replaceIfVersion(next, current.resourceVersion)))
        return { outcome: 'conflict', requeueAfter: 0 };
      current = next;
    }

    let fields: Record<string, unknown> | undefined;
    let conditions: ConditionInput[];
    let requeueAfter: number | undefined;
    let outcome: ReconcileOutcome = 'success';
    try {
      const result = await observePlanAct(controller, current, toolbox);
      fields = (result.status ?? {}) as Record<string, unknown>;
      conditions = result.conditions;
      requeueAfter = result.requeueAfter;
      if (requeueAfter !== undefined) outcome = 'requeue';
    } catch (error) {
      if (!(error instanceof TerminalError)) return this.transientFailure(keyText, key, error, toolbox.log);
      // Recorded and not retried: only a new event (a change, a dependency, resync) runs it again.
      conditions = [
        { type: READY, status: 'False', reason: error.reason, message: error.message },
        { type: STALLED, status: 'True', reason: error.reason, message: error.message },
      ];
      outcome = 'terminal';
    }
    this.failures.delete(keyText);
    const now = this.deps.now().toISOString();
    const composed = composeStatus(current.status, fields, conditions, observedOf(current), now);
    const next =
      outcome === 'terminal'
        ? composed
        : { ...composed, conditions: withoutConditions(composed.conditions ?? [], [STALLED]) };
    const written = await this.writeStatus(current, next, controller);
    if (!written) return { outcome: 'conflict', requeueAfter: 0 };
    return { outcome, requeueAfter };
  }

  private async finalize(
    resource: StoredResource,
    keyText: string,
    controller: AnyController,
    toolbox: ControllerToolbox,
  ): Promise<Step> {
    const finalizer = controller.finalizer;
    if (!finalizer || !resource.finalizers.includes(finalizer)) {
      // Not ours (or already removed): the last finalizer's removal deletes the row.
      if (resource.finalizers.length === 0) return this.removeRow(resource, controller);
      return { outcome: 'finalize' };
    }
    let result: FinalizeResult;
    try {
      result = controller.finalize ? await controller.finalize(resource, toolbox) : { done: true };
    } catch (error) {
      if (!(error instanceof TerminalError))
        return this.transientFailure(keyText, resource, error, toolbox.log);
      result = { done: false, reason: error.reason, message: error.message };
    }
    this.failures.delete(keyText);
    if (!result.done) {
      const now = this.deps.now().toISOString();
      const next = composeStatus(
        resource.status,
        undefined,
        [{ type: DELETING, status: 'True', reason: result.reason, message: result.message }],
        {
          generation: resource.status.observedGeneration ?? resource.generation,
          changeset: resource.status.observedChangeset ?? resource.changeset,
        },
        now,
      );
      if (!(await this.writeStatus(resource, next, controller)))
        return { outcome: 'conflict', requeueAfter: 0 };
      return { outcome: 'finalize', requeueAfter: result.requeueAfter ?? FINALIZE_RETRY_MS };
    }
    const remaining = resource.finalizers.filter((name) => name !== finalizer);
    if (remaining.length === 0) return this.removeRow(resource, controller);
    const next: StoredResource = {
      ...resource,
      finalizers: remaining,
      status: {
        ...resource.status,
        conditions: withoutConditions(resource.status.conditions ?? [], [DELETING]),
      },
      resourceVersion: resource.resourceVersion + 1,
      updatedAt: this.deps.now().toISOString(),
    };
    if (!(await this.deps.store.replaceIfVersion(next, resource.resourceVersion)))
      return { outcome: 'conflict', requeueAfter: 0 };
    return { outcome: 'finalize' };
  }

  /** Deletes the row of a finalized resource, journaled as the controller's `delete`. */
  private async removeRow(resource: StoredResource, controller: AnyController): Promise<Step> {
    const key = { tenant: resource.tenant, kind: resource.kind, name: resource.name };
    const removed = await this.deps.db.transaction(async (trx) => {
      if (!(await this.deps.store.removeIfVersion(resource, resource.resourceVersion, trx))) return false;
      await this.deps.journal.append(
        trx,
        systemContext(resource.tenant, controllerActor(controller.kind), `finalize-${resource.uid}`),
        [
          {
            operation: 'delete',
            kind: resource.kind,
            name: resource.name,
            generation: resource.generation,
            result: 'deleted',
          },
        ],
      );
      return true;
    });
    if (!removed) return { outcome: 'conflict', requeueAfter: 0 };
    if (controller.references?.length) {
      const targets = await this.deps.refs.remove(key);
      if (targets.length > 0) this.deps.enqueue(targets);
    }
    // A removal is a change of existence, like a user's write: every watch cares.
    this.deps.wakeDependents([key], 'write');
    return { outcome: 'finalize' };
  }

  /** Writes `next` if it differs; false when the resource moved on meanwhile. Wakes dependents. */
  private async writeStatus(
    resource: StoredResource,
    next: ResourceStatus,
    controller: AnyController,
  ): Promise<boolean> {
    if (!statusChanged(resource.status, next)) return true;
    const written = await this.deps.statusWriter.write({
      resource,
      status: next,
      records: transitionRecords(resource, resource.status, next),
      actor: controllerActor(controller.kind),
      updatedAt: this.deps.now().toISOString(),
    });
    if (written) {
      this.deps.metrics.recordStatusWrite(resource.kind);
      this.deps.wakeDependents(
        [{ tenant: resource.tenant, kind: resource.kind, name: resource.name }],
        'status',
      );
    }
    return written;
  }

  private transientFailure(keyText: string, key: ResourceKey, error: unknown, log: ControllerLogger): Step {
    const failures = (this.failures.get(keyText) ?? 0) + 1;
    this.failures.set(keyText, failures);
    this.deps.metrics.recordRetry(key.kind);
    const delay = backoffDelay(failures, this.deps.backoff, this.deps.random);
    log.warn(
      `reconcile failed (attempt ${failures}, retrying in ${delay} ms): ${(error as Error)?.message ?? String(error)}`,
    );
    return { outcome: 'error', requeueAfter: delay };
  }

  private toolbox(resource: StoredResource, log: ControllerLogger): ControllerToolbox {
    const { store, refs } = this.deps;
    const tenant = resource.tenant;
    const read: TenantReader = {
      tenant,
      get: (kind, name) => store.get({ tenant, kind, name }),
      list: (kind, options) => store.list(tenant, kind, options),
      count: (kind, requirements) => store.count(tenant, kind, requirements),
      referrers: (fromKind, toKind, toName) => refs.existingReferrers(tenant, fromKind, toKind, toName),
    };
    return { now: this.deps.now, read, log };
  }
}
