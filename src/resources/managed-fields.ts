/**
 * Kubernetes `metadata.managedFields` for Steward: who set which field, and server-side apply's
 * conflicts. Every function is pure and never mutates its inputs; results share no object with them.
 * Entries are read and written as FieldsV1 (managed-fields-encoding.ts); conflicts are worded as
 * the apiserver words them in managed-fields-conflicts.ts.
 *
 * Steward's decisions:
 * - Only `metadata.labels.<key>`, `metadata.annotations.<key>` and `spec` are managed: status is the
 *   engine's, and the rest of metadata is set by the server.
 * - A leaf is any non-object value, an array, or an empty object. Arrays are atomic, owned as a
 *   whole, as Kubernetes owns the lists of a custom resource without list-type markers.
 * - Entries are keyed as Kubernetes keys them: an Update entry by manager and apiVersion, an Apply
 *   entry by manager alone. Same-named Apply and Update entries are different managers.
 * - An Update (PUT, PATCH, POST, Steward's native apply) never conflicts: its manager takes every
 *   leaf it changed. Steward's server-side apply REPLACES spec, labels and annotations with the
 *   applied configuration instead of merging as Kubernetes does, so it conflicts whenever it would
 *   change or remove a leaf another manager owns.
 * - Ownership of a leaf that no longer exists is dropped everywhere; an entry owning nothing is
 *   dropped. Entries keep their order; a new one is appended.
 *
 * Objects are read in either shape the facade holds: a manifest or Kubernetes object (labels under
 * `metadata`) or a StoredResource (labels and annotations at the top, as the apply's `manage` hook
 * passes them). An object with a `metadata` member is read as the former.
 */
import { jsonEqual } from './json-equal.js';
import type { FieldConflict } from './managed-fields-conflicts.js';
import { type FieldPath, ownedBy, toFieldsV1, withFields } from './managed-fields-encoding.js';
import type { ManagedFieldsEntry } from './model.js';

export type { ManagedFieldsEntry } from './model.js';

type JsonObject = { [key: string]: unknown };
type Leaves = Map<string, { path: FieldPath; value: unknown }>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A path as a Map key: segments may hold any character, JSON keeps them apart. */
function keyOf(path: FieldPath): string {
  return JSON.stringify(path);
}

/** The managed leaves with their values, in document order. Iterative: `spec` may be deep. */
function managedLeaves(object: object | undefined): Leaves {
  const leaves: Leaves = new Map();
  if (object === undefined) return leaves;
  const record = object as JsonObject;
  const meta = 'metadata' in record ? record.metadata : record;
  for (const map of ['labels', 'annotations'] as const) {
    const entries = isObject(meta) && isObject(meta[map]) ? Object.entries(meta[map]) : [];
    for (const [key, value] of entries)
      leaves.set(keyOf(['metadata', map, key]), { path: ['metadata', map, key], value });
  }
  if (!('spec' in record) || record.spec === undefined) return leaves;
  // Frames link to their parent, so that a path is built once, at its leaf: copying it at every
  // level would be quadratic in the depth.
  const pending: SpecFrame[] = [{ name: 'spec', value: record.spec }];
  while (pending.length > 0) {
    const frame = pending.pop() as SpecFrame;
    const members = isObject(frame.value) ? Object.entries(frame.value) : [];
    if (members.length === 0) {
      const path = pathOf(frame);
      leaves.set(keyOf(path), { path, value: frame.value });
    }
    for (let index = members.length - 1; index >= 0; index--) {
      pending.push({ parent: frame, name: members[index][0], value: members[index][1] });
    }
  }
  return leaves;
}

interface SpecFrame {
  parent?: SpecFrame;
  name: string;
  value: unknown;
}

function pathOf(frame: SpecFrame): FieldPath {
  const path: FieldPath = [];
  for (let at: SpecFrame | undefined = frame; at !== undefined; at = at.parent) path.push(at.name);
  return path.reverse();
}

/** The leaf paths of an object's managed part, in document order. Pure. */
export function managedPaths(object: object): FieldPath[] {
  return [...managedLeaves(object).values()].map((leaf) => leaf.path);
}

/** The leaves that differ between two objects' managed parts: added, changed, then removed. Pure. */
export function changedPaths(before: object | undefined, after: object): FieldPath[] {
  const old = managedLeaves(before);
  const next = managedLeaves(after);
  const changed: FieldPath[] = [];
  for (const [key, leaf] of next) {
    const previous = old.get(key);
    if (!previous || !jsonEqual(previous.value, leaf.value)) changed.push(leaf.path);
  }
  for (const [key, leaf] of old) if (!next.has(key)) changed.push(leaf.path);
  return changed;
}

/**
 * A write by `manager` with operation Update (PUT, PATCH, POST, Steward's native apply): its
 * Update entry for `apiVersion` takes every leaf the write changed (time = now when it took
 * any), every other entry loses them; leaves that no longer exist leave every owner; entries left
 * owning nothing are dropped. Never a conflict: Kubernetes does not refuse an Update for
 * ownership. Pure; InvalidError for a malformed entry.
 */
export function recordUpdate(input: {
  entries: ManagedFieldsEntry[];
  manager: string;
  apiVersion: string;
  before: object | undefined;
  after: object;
  now: string;
}): ManagedFieldsEntry[] {
  const live = managedLeaves(input.after);
  const taken = changedPaths(input.before, input.after).filter((path) => live.has(keyOf(path)));
  const takenKeys = new Set(taken.map(keyOf));
  const owned = ownedBy(input.entries);
  const result: ManagedFieldsEntry[] = [];
  let recorded = false;
  input.entries.forEach((entry, index) => {
    const kept = owned[index].filter((path) => live.has(keyOf(path)) && !takenKeys.has(keyOf(path)));
    const own =
      !recorded &&
      entry.manager === input.manager &&
      entry.operation === 'Update' &&
      entry.apiVersion === input.apiVersion;
    if (own && taken.length > 0) {
      recorded = true;
      result.push({ ...withFields(entry, [...kept, ...taken]), time: input.now });
    } else if (kept.length > 0) {
      result.push(withFields(entry, kept));
    }
  });
  if (!recorded && taken.length > 0) {
    result.push({
      manager: input.manager,
      operation: 'Update',
      apiVersion: input.apiVersion,
      time: input.now,
      fieldsType: 'FieldsV1',
      fieldsV1: toFieldsV1(taken),
    });
  }
  return result;
}

/**
 * Server-side apply by `manager` (operation Apply), where `applied` replaces spec, labels and
 * annotations. A leaf another entry owns conflicts when its value in `live` differs from
 * `applied`, or `applied` lacks it; a leaf both set to the same value stays shared.
 *
 * Without `force` and with conflicts: `conflicts` lists them and `entries` are the input's, unchanged.
 * Otherwise `conflicts` is empty and `overridden` lists what force took from others; the
 * manager's Apply entry owns exactly managedPaths(applied) (apiVersion and time updated, in place,
 * or appended), the others keep only the live leaves `applied` keeps with the same value; empty
 * entries are dropped. Pure; InvalidError for a malformed entry.
 */
export function serverSideApply(input: {
  entries: ManagedFieldsEntry[];
  manager: string;
  apiVersion: string;
  live: object | undefined;
  applied: object;
  force: boolean;
  now: string;
}): { entries: ManagedFieldsEntry[]; conflicts: FieldConflict[]; overridden: FieldConflict[] } {
  const live = managedLeaves(input.live);
  const applied = managedLeaves(input.applied);
  const owned = ownedBy(input.entries);
  const isApplier = (entry: ManagedFieldsEntry) =>
    entry.manager === input.manager && entry.operation === 'Apply';
  const changes = (path: FieldPath) => {
    const current = live.get(keyOf(path));
    const next = applied.get(keyOf(path));
    // A leaf that is not live has no value to overwrite: its stale ownership is no conflict.
    return current !== undefined && (next === undefined || !jsonEqual(current.value, next.value));
  };
  const conflicts: FieldConflict[] = [];
  input.entries.forEach((entry, index) => {
    if (isApplier(entry)) return;
    for (const path of owned[index].filter(changes)) {
      conflicts.push({
        manager: entry.manager,
        operation: entry.operation,
        apiVersion: entry.apiVersion,
        path,
      });
    }
  });
  if (conflicts.length > 0 && !input.force) {
    return { entries: structuredClone(input.entries), conflicts, overridden: [] };
  }

  const appliedPaths = [...applied.values()].map((leaf) => leaf.path);
  const applierEntry: ManagedFieldsEntry = {
    manager: input.manager,
    operation: 'Apply',
    apiVersion: input.apiVersion,
    time: input.now,
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(appliedPaths),
  };
  const result: ManagedFieldsEntry[] = [];
  let recorded = false;
  input.entries.forEach((entry, index) => {
    if (isApplier(entry)) {
      if (!recorded && appliedPaths.length > 0) result.push(applierEntry);
      recorded = true;
      return;
    }
    const kept = owned[index].filter(
      (path) => live.has(keyOf(path)) && applied.has(keyOf(path)) && !changes(path),
    );
    if (kept.length > 0) result.push(withFields(entry, kept));
  });
  if (!recorded && appliedPaths.length > 0) result.push(applierEntry);
  return { entries: result, conflicts: [], overridden: conflicts };
}
