/**
 * Kubernetes `metadata.managedFields` for Steward: who set which field, and server-side apply's
 * conflicts. Every function is pure and never mutates its inputs; results share no object with them.
 *
 * Steward's decisions:
 * - Only `metadata.labels.<key>`, `metadata.annotations.<key>` and `spec` are managed: status is the
 *   engine's, and the rest of metadata is set by the server.
 * - A leaf is any non-object value, an array, or an empty object. Arrays are atomic, owned as a
 *   whole, as Kubernetes owns the lists of a custom resource without list-type markers.
 * - A path is an array of segments (['spec', 'identity', 'keyAlgorithm']); FieldsV1 spells each
 *   segment `f:<segment>`. A node that is both owned and a parent gets Kubernetes' `.` marker; a
 *   mere parent does not. `k:`/`v:`/`i:` keys written by Kubernetes are read with the raw key as the
 *   segment: no Steward leaf has such a path, so ownership of it is dropped at the next write.
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
import { type FieldProblem, InvalidError } from '../errors.js';
import { jsonEqual } from './json-equal.js';
import type { ManagedFieldsEntry } from './model.js';

export type { ManagedFieldsEntry } from './model.js';

export type FieldPath = string[];

/** A leaf another manager owns that an apply would change or remove. */
export interface FieldConflict {
  manager: string;
  operation: ManagedFieldsEntry['operation'];
  apiVersion: string;
  path: FieldPath;
}

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

function comparePaths(a: FieldPath, b: FieldPath): number {
  for (let index = 0; index < Math.min(a.length, b.length); index++) {
    if (a[index] !== b[index]) return a[index] < b[index] ? -1 : 1;
  }
  return a.length - b.length;
}

/**
 * FieldsV1 of a set of paths: `{'f:metadata': {'f:labels': {'f:app': {}}}, 'f:spec': {...}}`, keys
 * sorted as Kubernetes serializes them, duplicates merged. A path that is also the parent of
 * another gets `.`. Pure; InvalidError for an empty path, which names no field.
 */
export function toFieldsV1(paths: FieldPath[]): Record<string, unknown> {
  const root: JsonObject = {};
  const owned: JsonObject[] = [];
  // Sorted, a path comes before its extensions: its node is still empty when `.` is written, so
  // `.` comes first as in Kubernetes' output.
  for (const path of [...paths].sort(comparePaths)) {
    if (path.length === 0) throw new InvalidError('an empty field path names no field');
    let node = root;
    for (const segment of path) {
      const key = `f:${segment}`;
      if (!Object.hasOwn(node, key)) node[key] = {};
      node = node[key] as JsonObject;
    }
    node['.'] = {};
    owned.push(node);
  }
  for (const node of owned) if (Object.keys(node).length === 1) delete node['.'];
  return root;
}

const REFERENCE_PREFIXES = ['k:', 'v:', 'i:'];

/** fromFieldsV1 with pointers of problems under `at` (the entry's place in managedFields). */
function readFieldsV1(fields: unknown, at: string): FieldPath[] {
  const problems: FieldProblem[] = [];
  const paths: FieldPath[] = [];
  if (!isObject(fields)) {
    problems.push({ pointer: at, message: `fieldsV1 must be an object, got ${describe(fields)}` });
  }
  // Pre-order, one member at a time, so that paths come out in the tree's order; iterative, as
  // the tree may come from a client.
  interface Frame {
    parent?: Frame;
    name: string;
    pointer: string;
    members: Iterator<[string, unknown]>;
  }
  const stack: Frame[] = isObject(fields)
    ? [{ name: '', pointer: at, members: Object.entries(fields)[Symbol.iterator]() }]
    : [];
  const pathTo = (frame: Frame, segment?: string): FieldPath => {
    const path: FieldPath = segment === undefined ? [] : [segment];
    for (let node: Frame | undefined = frame; node?.parent !== undefined; node = node.parent)
      path.push(node.name);
    return path.reverse();
  };
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    const next = frame.members.next();
    if (next.done) {
      stack.pop();
      continue;
    }
    const [key, value] = next.value;
    const here = `${frame.pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    const problem = (message: string) => problems.push({ pointer: here, message });
    if (!isObject(value)) {
      problem(`must be an object, got ${describe(value)}`);
      continue;
    }
    if (key === '.') {
      if (frame.parent === undefined) problem('"." at the root names no field');
      else if (Object.keys(value).length > 0) problem('"." must be an empty object');
      else paths.push(pathTo(frame));
      continue;
    }
    let segment: string;
    if (key.startsWith('f:')) segment = key.slice(2);
    else if (REFERENCE_PREFIXES.some((prefix) => key.startsWith(prefix))) segment = key;
    else {
      problem(`"${key}" is not a FieldsV1 key (f:<field>, k:<key>, v:<value>, i:<index> or ".")`);
      continue;
    }
    if (Object.keys(value).length === 0) paths.push(pathTo(frame, segment));
    else
      stack.push({
        parent: frame,
        name: segment,
        pointer: here,
        members: Object.entries(value)[Symbol.iterator](),
      });
  }
  if (problems.length > 0) {
    const shown = problems
      .slice(0, 3)
      .map((problem) => `${problem.pointer || '(fieldsV1)'}: ${problem.message}`);
    const more = problems.length > 3 ? `; and ${problems.length - 3} more` : '';
    throw new InvalidError(`malformed managedFields: ${shown.join('; ')}${more}`, { problems });
  }
  return paths;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/**
 * The paths of a FieldsV1 tree, the inverse of toFieldsV1. Pure. InvalidError listing every
 * malformed member (a key that is no FieldsV1 key, a value that is not an object), pointers into
 * the tree.
 */
export function fromFieldsV1(fields: unknown): FieldPath[] {
  return readFieldsV1(fields, '');
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

/** The paths each entry owns; malformed entries are refused with their place in managedFields. */
function ownedBy(entries: ManagedFieldsEntry[]): FieldPath[][] {
  return entries.map((entry, index) =>
    readFieldsV1(entry.fieldsV1, `/metadata/managedFields/${index}/fieldsV1`),
  );
}

function withFields(entry: ManagedFieldsEntry, paths: FieldPath[]): ManagedFieldsEntry {
  return { ...entry, fieldsV1: toFieldsV1(paths) };
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

/** A path as Kubernetes prints a field: `.spec.identity.keyAlgorithm`, `.metadata.labels.app`. */
export function fieldOf(path: FieldPath): string {
  return path.map((segment) => `.${segment}`).join('');
}

/** A manager as Kubernetes' conflict message names it: an Update entry with its apiVersion. */
function managerOf(conflict: FieldConflict): string {
  const name = JSON.stringify(conflict.manager);
  return conflict.operation === 'Update' ? `${name} using ${conflict.apiVersion}` : name;
}

/**
 * kubectl's advice after a conflict. kubectl appends it to the server's message itself, so the
 * facade must not send it (kubectl would print it twice); Steward's own clients may show it.
 */
export const CONFLICT_ADVICE = [
  'Please review the fields above--they currently have other managers. Here are the ways you can resolve this warning:',
  '* If you intend to manage all of these fields, please re-run the apply command with the `--force-conflicts` flag.',
  '* If you do not intend to manage all of the fields, please edit your manifest to remove references to the fields that should keep their current managers.',
  "* You may co-own fields by updating your manifest to match the existing value; in this case, you'll become the manager if the other manager(s) stop managing the field (remove it from their configuration).",
].join('\n');

/**
 * The apiserver's conflict message, as Kubernetes words it: one conflict on one line, several
 * grouped by manager (sorted), one `- .field` line each. `causes` are Kubernetes StatusCauses, whose
 * type travels as `reason` on the wire. `advice` is CONFLICT_ADVICE. Pure.
 */
export function conflictMessage(conflicts: FieldConflict[]): {
  message: string;
  advice: string;
  causes: Array<{ reason: 'FieldManagerConflict'; message: string; field: string }>;
} {
  const causes = conflicts.map((conflict) => ({
    reason: 'FieldManagerConflict' as const,
    message: `conflict with ${managerOf(conflict)}`,
    field: fieldOf(conflict.path),
  }));
  if (conflicts.length === 1) {
    const [only] = conflicts;
    const message = `Apply failed with 1 conflict: conflict with ${managerOf(only)}: ${fieldOf(only.path)}`;
    return { message, advice: CONFLICT_ADVICE, causes };
  }
  const byManager = new Map<string, string[]>();
  for (const conflict of conflicts) {
    const manager = managerOf(conflict);
    const lines = byManager.get(manager) ?? [];
    lines.push(`- ${fieldOf(conflict.path)}`);
    byManager.set(manager, lines);
  }
  const lines = [...byManager.keys()]
    .sort()
    .flatMap((manager) => [`conflicts with ${manager}:`, ...(byManager.get(manager) as string[])]);
  const message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  return { message, advice: CONFLICT_ADVICE, causes };
}
