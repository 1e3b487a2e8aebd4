/**
 * The field-level difference between a live resource and a submitted manifest, over what apply
 * writes: labels, annotations and spec (status and server-set metadata are never applied). A
 * submitted manifest replaces these wholesale, so a field only the live resource has is `removed`
 * — including a default the server filled in, which the next apply would fill in again. Pure.
 */

export type FieldChange =
  | { pointer: string; change: 'added'; after: unknown }
  | { pointer: string; change: 'removed'; before: unknown }
  | { pointer: string; change: 'changed'; before: unknown; after: unknown };

interface Applied {
  metadata?: { labels?: Record<string, unknown>; annotations?: Record<string, unknown> };
  spec?: unknown;
}

/** A JSON pointer segment (RFC 6901: `~` as `~0`, `/` as `~1`): label keys often hold a `/`. */
function segment(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function compare(pointer: string, before: unknown, after: unknown, changes: FieldChange[]): void {
  if (before === undefined && after === undefined) return;
  if (before === undefined) {
    changes.push({ pointer, change: 'added', after });
    return;
  }
  if (after === undefined) {
    changes.push({ pointer, change: 'removed', before });
    return;
  }
  const bothObjects = isObject(before) && isObject(after);
  const bothArrays = Array.isArray(before) && Array.isArray(after);
  if (bothObjects) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const key of keys) compare(`${pointer}/${segment(key)}`, before[key], after[key], changes);
    return;
  }
  if (bothArrays) {
    for (let index = 0; index < Math.max(before.length, after.length); index++)
      compare(`${pointer}/${index}`, before[index], after[index], changes);
    return;
  }
  if (!Object.is(before, after)) changes.push({ pointer, change: 'changed', before, after });
}

/** Every leaf that differs, as JSON pointers in the manifest, sorted within each part. Pure. */
export function fieldDiff(live: Applied | undefined, submitted: Applied): FieldChange[] {
  const changes: FieldChange[] = [];
  // An empty map and an absent one mean the same to apply: no labels.
  const map = (value: Record<string, unknown> | undefined) => value ?? {};
  compare('/metadata/labels', map(live?.metadata?.labels), map(submitted.metadata?.labels), changes);
  compare(
    '/metadata/annotations',
    map(live?.metadata?.annotations),
    map(submitted.metadata?.annotations),
    changes,
  );
  compare('/spec', live?.spec ?? {}, submitted.spec ?? {}, changes);
  return changes;
}
