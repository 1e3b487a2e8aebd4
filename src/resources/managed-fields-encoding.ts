/**
 * FieldsV1, the encoding of `metadata.managedFields` entries: which fields an entry owns, as a
 * tree. Every function is pure and never mutates its inputs; results share no object with them.
 * Who owns what, and server-side apply's conflicts, are managed-fields.ts'.
 *
 * - A path is an array of segments (['spec', 'identity', 'keyAlgorithm']); FieldsV1 spells each
 *   segment `f:<segment>`. A node that is both owned and a parent gets Kubernetes' `.` marker; a
 *   mere parent does not. `k:`/`v:`/`i:` keys written by Kubernetes are read with the raw key as the
 *   segment: no Steward leaf has such a path, so ownership of it is dropped at the next write.
 */
import { type FieldProblem, InvalidError } from '../errors.js';
import type { ManagedFieldsEntry } from './model.js';

export type FieldPath = string[];

type JsonObject = { [key: string]: unknown };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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

/** The paths each entry owns; malformed entries are refused with their place in managedFields. */
export function ownedBy(entries: ManagedFieldsEntry[]): FieldPath[][] {
  return entries.map((entry, index) =>
    readFieldsV1(entry.fieldsV1, `/metadata/managedFields/${index}/fieldsV1`),
  );
}

/** `entry` owning exactly `paths`. */
export function withFields(entry: ManagedFieldsEntry, paths: FieldPath[]): ManagedFieldsEntry {
  return { ...entry, fieldsV1: toFieldsV1(paths) };
}
