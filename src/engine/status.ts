/**
 * Status discipline shared by every controller (pure functions): the engine composes the next
 * status from what a controller returned, writes it only when it changed, and journals condition
 * transitions, never resyncs.
 */
import type { JournalRecord } from '../journal/journal-writer.js';
import { canonicalJson } from '../contract/canonical.js';
import type { Condition, ResourceStatus, StoredResource } from '../resources/model.js';
import type { ConditionInput } from './controller.js';

/**
 * What a reconcile acted on: the resource's generation and the changeset of the apply that set
 * it (absent on resources older than causal status). Conditions carry both, so a client can tell
 * "Ready for my apply" from "Ready for an older one" (`steward apply --wait`).
 */
export interface Observed {
  generation: number;
  changeset?: string | null;
}

/** The observed generation and changeset of a resource as read. Pure. */
export function observedOf(resource: Pick<StoredResource, 'generation' | 'changeset'>): Observed {
  return { generation: resource.generation, changeset: resource.changeset };
}

/**
 * Sets `inputs` on `previous` conditions: types not mentioned are kept; `lastTransitionTime` moves
 * only when a condition's status changes (a new reason or message alone keeps it). Order: the
 * previous order, new types appended. Pure.
 */
export function mergeConditions(
  previous: readonly Condition[],
  inputs: readonly ConditionInput[],
  observed: Observed,
  now: string,
): Condition[] {
  const merged = previous.map((condition) => ({ ...condition }));
  for (const input of inputs) {
    const index = merged.findIndex((condition) => condition.type === input.type);
    const before = index >= 0 ? merged[index] : undefined;
    const next: Condition = {
      type: input.type,
      status: input.status,
      reason: input.reason,
      message: input.message,
      lastTransitionTime: before && before.status === input.status ? before.lastTransitionTime : now,
      observedGeneration: observed.generation,
      ...(observed.changeset ? { observedChangeset: observed.changeset } : {}),
    };
    if (index >= 0) merged[index] = next;
    else merged.push(next);
  }
  return merged;
}

/** Removes conditions of the given types (e.g. `Deleting` once a finalizer let go). Pure. */
export function withoutConditions(conditions: readonly Condition[], types: readonly string[]): Condition[] {
  return conditions.filter((condition) => !types.includes(condition.type));
}

/**
 * The next status: the controller's kind-specific fields (the previous ones when `fields` is
 * undefined, e.g. after a terminal error), the merged conditions and `observedGeneration` (and
 * `observedChangeset`) = what the controller acted on. Pure.
 */
export function composeStatus(
  previous: ResourceStatus,
  fields: Record<string, unknown> | undefined,
  conditions: readonly ConditionInput[],
  observed: Observed,
  now: string,
): ResourceStatus {
  const {
    observedGeneration: _ignored,
    observedChangeset: _engineSets,
    conditions: _alsoIgnored,
    ...kindFields
  } = fields ?? previous;
  return {
    ...kindFields,
    observedGeneration: observed.generation,
    ...(observed.changeset ? { observedChangeset: observed.changeset } : {}),
    conditions: mergeConditions(previous.conditions ?? [], conditions, observed, now),
  };
}

/** Whether a write is needed: statuses are compared as canonical JSON. Pure. */
export function statusChanged(previous: ResourceStatus, next: ResourceStatus): boolean {
  return canonicalJson(previous) !== canonicalJson(next);
}

/**
 * Journal records for condition transitions between two statuses (a condition appearing or
 * changing status; reason/message-only changes and resyncs are not journaled), each linked to the
 * changeset its condition observed, so that the journal answers "what did changeset X lead to"
 * and "Ready since which apply". Pure.
 */
export function transitionRecords(
  resource: StoredResource,
  previous: ResourceStatus,
  next: ResourceStatus,
): JournalRecord[] {
  const before = new Map((previous.conditions ?? []).map((condition) => [condition.type, condition]));
  const records: JournalRecord[] = [];
  for (const condition of next.conditions ?? []) {
    const old = before.get(condition.type);
    if (old?.status === condition.status) continue;
    records.push({
      operation: 'status',
      kind: resource.kind,
      name: resource.name,
      generation: condition.observedGeneration,
      result: `${condition.type}=${condition.status}`,
      reason: condition.reason,
      ...(condition.observedChangeset ? { changeset: condition.observedChangeset } : {}),
      changes: [
        {
          pointer: `/status/conditions/${condition.type}`,
          ...(old ? { old: { status: old.status, reason: old.reason } } : {}),
          new: { status: condition.status, reason: condition.reason, message: condition.message },
        },
      ],
    });
  }
  return records;
}
