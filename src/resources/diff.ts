import { canonicalJson } from '../contract/canonical.js';

/** One changed leaf: `old` absent means added, `new` absent means removed. */
export interface FieldChange {
  pointer: string;
  old?: unknown;
  new?: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Field-level differences between two JSON values, as JSON pointers under `base`. Objects are
 * compared member by member; arrays and scalars as wholes (an array's order is its meaning). Pure.
 */
export function diff(before: unknown, after: unknown, base = '', changes: FieldChange[] = []): FieldChange[] {
  if (isRecord(before) && isRecord(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    for (const key of [...keys].sort())
      diff(before[key], after[key], `${base}/${escapePointer(key)}`, changes);
    return changes;
  }
  if (before === undefined && after === undefined) return changes;
  if (before === undefined) changes.push({ pointer: base, new: after });
  else if (after === undefined) changes.push({ pointer: base, old: before });
  else if (canonicalJson(before) !== canonicalJson(after))
    changes.push({ pointer: base, old: before, new: after });
  return changes;
}
