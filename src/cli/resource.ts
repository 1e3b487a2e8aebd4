/** The CLI's view of what the API returns: plain JSON, typed just enough to print it. */

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  observedGeneration?: number;
}

export interface Resource {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    uid?: string;
    generation?: number;
    resourceVersion?: string;
    createdAt?: string;
    updatedAt?: string;
    deletionTimestamp?: string;
    finalizers?: string[];
  };
  spec?: Record<string, unknown>;
  status?: { observedGeneration?: number; conditions?: Condition[]; [field: string]: unknown };
}

export interface ResourceList {
  apiVersion?: string;
  kind: string;
  items: Resource[];
  metadata?: { continue?: string };
}

/** One kind as discovery (`GET /api/v1`) describes it. */
export interface ApiResource {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  versions: string[];
}

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
