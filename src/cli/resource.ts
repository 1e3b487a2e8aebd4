/** The CLI's view of what the API returns: the wire types of src/contract/, and reads over them. */
import type { Condition, Manifest } from '../contract/resource.js';

export type { ApiResource } from '../contract/discovery.js';
export type { Condition, ResourceList } from '../contract/resource.js';

/** A resource as the CLI reads it: a manifest (sent back by the server, or read from a file). */
export type Resource = Manifest;

/** `device/laptop-042`: how kubectl names an object in its output. Pure. */
export function objectRef(kind: string, name: string): string {
  return `${kind.toLowerCase()}/${name}`;
}

/** The condition of that type, if reported. Pure. */
export function conditionOf(resource: Resource, type: string): Condition | undefined {
  return resource.status?.conditions?.find((condition) => condition.type === type);
}

/** The value at a dotted path (`spec.artifactRef.name`), or undefined. Pure. */
export function valueAt(resource: unknown, path: string): unknown {
  let current: unknown = resource;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
