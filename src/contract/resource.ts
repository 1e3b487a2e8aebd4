/**
 * The resource model of DESIGN §1 as it travels over the API: what users send, what the server
 * returns, what the CLI prints. Wire types only, shared by the server and the CLI; no imports.
 */

export const API_GROUP = 'steward.dev';

export type Labels = Record<string, string>;

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  /** PascalCase, machine-readable. */
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration: number;
  /** The changeset of the apply that set the generation observed (absent for older resources). */
  observedChangeset?: string;
}

export interface ResourceStatus {
  observedGeneration?: number;
  /** The changeset of the apply that set `observedGeneration`. */
  observedChangeset?: string;
  conditions?: Condition[];
  [field: string]: unknown;
}

export interface ObjectMeta {
  name: string;
  labels?: Labels;
  annotations?: Record<string, string>;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  createdAt?: string;
  updatedAt?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  /** The changeset of the apply that set `generation` (server-set). */
  changeset?: string;
}

/** A manifest as submitted: the server-set metadata fields are ignored on input. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: Record<string, unknown>;
  status?: ResourceStatus;
}

/** A resource as the API returns it (`GET /api/v1/{plural}/{name}`): always with its status. */
export type ServedResource = Manifest & { status: ResourceStatus };

/** `GET /api/v1/{plural}`: one page, `metadata.continue` naming the next. */
export interface ResourceList {
  apiVersion: string;
  /** `<Kind>List`. */
  kind: string;
  metadata: { continue?: string; remainingItemCount?: number };
  items: ServedResource[];
}
