/** The resource model of DESIGN §1: what users send, what the store keeps, what the API returns. */

import type { Labels, ObjectMeta, ResourceStatus, ServedResource } from '../contract/resource.js';

// The wire types live in src/contract/ (shared with the CLI); the server's code imports them here.
export {
  API_GROUP,
  type Condition,
  type ConditionStatus,
  type Labels,
  type Manifest,
  type ObjectMeta,
  type ResourceStatus,
} from '../contract/resource.js';

/**
 * A stored resource: one row of the generic resource table. `Spec` and `Status` are a kind's
 * generated types (src/kinds/generated/) where its controller reads them.
 */
export interface StoredResource<Spec = Record<string, unknown>, Status = Record<string, unknown>> {
  tenant: string;
  kind: string;
  name: string;
  uid: string;
  apiVersion: string;
  labels: Labels;
  annotations: Record<string, string>;
  spec: Spec;
  status: ResourceStatus & Partial<Status>;
  generation: number;
  /** Incremented on every write (spec, status or metadata); the API shows it as a string. */
  resourceVersion: number;
  createdAt: string;
  updatedAt: string;
  deletionTimestamp: string | null;
  finalizers: string[];
  /** The changeset of the apply that set `generation` (null when unknown: rows older than causal status). */
  changeset?: string | null;
  /**
   * Which field manager set which field (Kubernetes `metadata.managedFields`, kept for the
   * facade's server-side apply, src/api/kube/); absent when no manager is recorded.
   */
  managedFields?: ManagedFieldsEntry[];
}

/** One field manager's fields, Kubernetes' shape (`fieldsV1` is the f:-keyed tree). */
export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
}

/** The key the engine queues and the store indexes by. */
export interface ResourceKey {
  tenant: string;
  kind: string;
  name: string;
}

export function keyString(key: ResourceKey): string {
  return `${key.tenant}/${key.kind}/${key.name}`;
}

/** The manifest form of a stored resource, as the API returns it and `apply` accepts it back. */
export function toManifest(resource: StoredResource): ServedResource {
  const metadata: ObjectMeta = {
    name: resource.name,
    uid: resource.uid,
    generation: resource.generation,
    resourceVersion: String(resource.resourceVersion),
    createdAt: resource.createdAt,
    updatedAt: resource.updatedAt,
  };
  if (Object.keys(resource.labels).length > 0) metadata.labels = resource.labels;
  if (Object.keys(resource.annotations).length > 0) metadata.annotations = resource.annotations;
  if (resource.deletionTimestamp) metadata.deletionTimestamp = resource.deletionTimestamp;
  if (resource.finalizers.length > 0) metadata.finalizers = resource.finalizers;
  if (resource.changeset) metadata.changeset = resource.changeset;
  return {
    apiVersion: resource.apiVersion,
    kind: resource.kind,
    metadata,
    spec: resource.spec,
    status: resource.status,
  };
}
