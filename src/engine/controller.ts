/**
 * The controller contract: what a kind's reconciler (controllers/<kind>.ts) gives the engine and
 * what the engine gives it. Stable: controllers of other kinds are written against this file.
 *
 * A controller is level-triggered and has the shape of crossplane-runtime's external clients: the
 * engine runs `observe → plan → act` for every kind. `observe` reads what the kind compares its
 * desired state with; `plan` is pure and either reports (status and conditions) or names one
 * action; `act` performs that action idempotently, after which the engine observes and plans
 * again. The engine does everything else: queueing, mutual exclusion per key, retries with
 * backoff, finalizers, the conditional status write, journaling condition transitions and waking
 * dependents. `Spec` and `Status` are generated from the kind's schema (`npm run generate`).
 */
import type { Condition, ConditionStatus, ResourceKey, StoredResource } from '../resources/model.js';
import type { Requirement } from '../resources/selector.js';

/** A condition as a controller sets it; the engine adds lastTransitionTime and observedGeneration. */
export interface ConditionInput {
  /** PascalCase; every kind reports `Ready`. */
  type: string;
  status: ConditionStatus;
  /** PascalCase, documented as a constant next to the controller. */
  reason: string;
  message: string;
}

/** What a reconcile observed and wants: the report a plan ends with. */
export interface ReconcileResult<Status = Record<string, unknown>> {
  /**
   * Kind-specific status fields (e.g. `{count: 12}`). Replaces the previous kind-specific fields
   * as a whole; `observedGeneration` and `conditions` are the engine's and are ignored here.
   */
  status?: Status;
  /** Conditions to set; conditions of other types already in status are kept. Include `Ready`. */
  conditions: ConditionInput[];
  /** Reconcile this key again after this many milliseconds (e.g. before a certificate expires). */
  requeueAfter?: number;
}

/** What a finalize observed: done (the engine removes the finalizer), or not yet and why. */
export type FinalizeResult =
  | { done: true }
  | {
      done: false;
      /** PascalCase, e.g. `InUse`; shown in the `Deleting` condition. */
      reason: string;
      message: string;
      /** Try again after this many milliseconds; dependents' changes wake the key sooner. */
      requeueAfter?: number;
    };

/** Logging for controllers; the engine prefixes the key. */
export interface ControllerLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
}

/**
 * Reads confined to the reconciled resource's tenant. Reads only: a controller writes nothing but
 * its status, and that through its return value.
 */
export interface TenantReader {
  readonly tenant: string;
  get(kind: string, name: string): Promise<StoredResource | null>;
  /** One page ordered by name; label requirements are evaluated in SQL. */
  list(
    kind: string,
    options?: { requirements?: Requirement[]; limit?: number; after?: string },
  ): Promise<StoredResource[]>;
  /** Counted in SQL. */
  count(kind: string, requirements?: Requirement[]): Promise<number>;
  /** Names of `fromKind` resources whose declared references point at `toKind`/`toName` (reference index). */
  referrers(fromKind: string, toKind: string, toName: string): Promise<string[]>;
}

/** What the engine hands a controller on every call. */
export interface ControllerToolbox {
  /** The injectable clock: use it instead of `new Date()`. */
  now(): Date;
  read: TenantReader;
  log: ControllerLogger;
}

/**
 * A reference from a spec to another resource of the same tenant, e.g.
 * `{path: ['spec', 'identity', 'caRef', 'name'], kind: 'CertificateAuthority'}`. The engine keeps
 * the reference index (table `resource_refs`) from these, and wakes the referrers when a
 * referenced resource changes (status included): declaring a reference IS watching its target.
 */
export interface ReferenceField {
  path: readonly string[];
  kind: string;
}

/** Lookups a watch may use to map changed keys to keys of its own kind; all indexed, never scans. */
export interface WatchLookup {
  /** Keys of `fromKind` whose references point at any of `targets` (reference index). */
  referrers(fromKind: string, targets: ResourceKey[]): Promise<ResourceKey[]>;
  /** Every key of `kind` in the given tenants (for selector-based membership). */
  allOf(kind: string, tenants: string[]): Promise<ResourceKey[]>;
}

/**
 * Wakes this controller's resources when resources of `kind` change (written by users or by
 * their controllers' status writes). `map` receives a batch of changed keys (one or many tenants)
 * and returns the keys of the controller's kind to enqueue.
 */
export interface Watch {
  kind: string;
  /**
   * Whether status writes of the watched kind wake too (default true). False for watches that
   * read only specs or labels, e.g. group membership: users' writes still wake them.
   */
  statusChanges?: boolean;
  map(changed: ResourceKey[], lookup: WatchLookup): Promise<ResourceKey[]>;
}

/** A plan that asks for an action: the engine calls `act` with it, then observes and plans again. */
export interface ActPlan<Action> {
  act: Action;
}

/** What `plan` decides: one action to take, or the report (the desired state is reached, or waits). */
export type Plan<Status, Action> = ActPlan<Action> | ReconcileResult<Status>;

/** True when the plan asks for an action. Pure. */
export function asksToAct<Status, Action>(plan: Plan<Status, Action>): plan is ActPlan<Action> {
  return 'act' in plan;
}

/**
 * One kind's reconciler. `observe`, `act` and `finalize`:
 * - are called with at most one call per key at a time, in any process;
 * - must be idempotent (a crash may repeat them) and must not write the resource: the status is
 *   what `plan` reports;
 * - throw TerminalError (src/errors.ts) for what retrying cannot fix: recorded as `Ready=False`
 *   with its reason, and not retried with backoff (the next change to the resource, a dependency
 *   wake-up or resync runs it again);
 * - throw anything else for transient failures: retried with capped, jittered exponential backoff.
 * `plan` is pure: the same resource, observation and time give the same plan.
 */
export interface Controller<
  Spec = Record<string, unknown>,
  Status = Record<string, unknown>,
  Observation = unknown,
  Action = never,
> {
  /** The PascalCase kind this controller reconciles. */
  readonly kind: string;
  /** References its specs make (see ReferenceField); the engine indexes and watches them. */
  readonly references?: readonly ReferenceField[];
  /** Other resources whose changes wake this controller's resources. */
  readonly watches?: readonly Watch[];
  /**
   * `high`: this kind's keys are handled before other waiting keys (in-process queue), for kinds
   * few in number whose progress many resources wait on (a rollout over its devices).
   */
  readonly priority?: 'high';
  /**
   * A finalizer name (e.g. `steward.dev/certificate-authority`): the engine adds it on the first
   * reconcile and, once the resource is being deleted, calls `finalize` until it is done.
   */
  readonly finalizer?: string;
  /** Reads what the desired state is compared with (dependencies, external material). Read-only. */
  observe(resource: StoredResource<Spec, Status>, toolbox: ControllerToolbox): Promise<Observation>;
  /** Compares desired and observed state. Pure. */
  plan(resource: StoredResource<Spec, Status>, observation: Observation, now: Date): Plan<Status, Action>;
  /** Performs one planned action. Idempotent; needed only by kinds whose plans act. */
  act?(resource: StoredResource<Spec, Status>, action: Action, toolbox: ControllerToolbox): Promise<void>;
  finalize?(resource: StoredResource<Spec, Status>, toolbox: ControllerToolbox): Promise<FinalizeResult>;
}

/**
 * A controller of any kind, as the engine holds them. The engine hands each controller the
 * resources of its kind only, which the kind's schema validated on the way in. (Methods are
 * compared bivariantly, so every Controller<Spec, Status, Observation, Action> is an AnyController
 * without a cast.)
 */
export type AnyController = Controller<unknown, object, unknown, unknown>;

/** The condition every kind reports. */
export const READY = 'Ready';
/** Set while a finalizer refuses to let go (status True, reason from FinalizeResult). */
export const DELETING = 'Deleting';
/**
 * Set (True, with the TerminalError's reason) when retrying cannot help until the resource or a
 * dependency changes; removed by the next reconcile that does not fail so. Flux and kstatus name
 * it the same: `apply --wait` stops waiting on a resource Stalled for its changeset.
 */
export const STALLED = 'Stalled';

/** Helper for the common case: a Ready condition. Pure. */
export function ready(status: ConditionStatus, reason: string, message: string): ConditionInput {
  return { type: READY, status, reason, message };
}

/** Reads a condition of a stored resource (e.g. a dependency's Ready). Pure. */
export function conditionOf(
  resource: StoredResource<unknown, object> | null,
  type: string = READY,
): Condition | undefined {
  return resource?.status.conditions?.find((condition) => condition.type === type);
}

/** True when the resource exists, is not being deleted, and reports Ready=True for its current generation. Pure. */
export function isReady(resource: StoredResource<unknown, object> | null): boolean {
  const condition = conditionOf(resource);
  return (
    resource !== null &&
    !resource.deletionTimestamp &&
    condition?.status === 'True' &&
    resource.status.observedGeneration === resource.generation
  );
}

/** Reads a dotted reference (`['spec', 'parentRef', 'name']`) from a resource; undefined when absent. Pure. */
export function referenceAt(
  resource: StoredResource<unknown, object>,
  path: readonly string[],
): string | undefined {
  let value: unknown = resource;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return typeof value === 'string' && value !== '' ? value : undefined;
}
