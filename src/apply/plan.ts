import type { FieldProblem } from '../errors.js';
import { diff, type FieldChange } from '../resources/diff.js';
import type { ManagedFieldsEntry, Manifest, StoredResource } from '../resources/model.js';

export type ApplyOutcome = 'created' | 'configured' | 'unchanged';

/** What an apply will do to one document's resource. */
export interface PlannedWrite {
  index: number;
  outcome: ApplyOutcome;
  next: StoredResource;
  previous?: StoredResource;
  /** Field-level summary under /metadata and /spec, for the journal. */
  changes: FieldChange[];
}

export interface ApplyPlan {
  writes: PlannedWrite[];
  /** Conflicts (stale resourceVersion, resource being deleted); non-empty means write nothing. */
  conflicts: FieldProblem[];
}

export interface PlanInput {
  tenant: string;
  /** Valid manifests with their index in the request. */
  documents: Array<{ index: number; manifest: Manifest }>;
  /** Existing resources by `kind/name`. */
  existing: Map<string, StoredResource>;
  now: string;
  newUid: () => string;
  /** The apply's changeset: recorded on each resource whose generation it sets (causal status). */
  changeset: string;
  /**
   * The managed fields a write leaves (Kubernetes field managers, src/resources/managed-fields.ts),
   * or undefined to keep the previous ones. A change of managers alone is a write (resourceVersion
   * moves, generation does not), as in Kubernetes.
   */
  manage?: ManageFields;
}

export type ManageFields = (
  index: number,
  previous: StoredResource | undefined,
  next: StoredResource,
) => ManagedFieldsEntry[] | undefined;

function sameManagers(a: ManagedFieldsEntry[] | undefined, b: ManagedFieldsEntry[] | undefined): boolean {
  return JSON.stringify(a ?? []) === JSON.stringify(b ?? []);
}

function desiredShape(resource: Pick<StoredResource, 'labels' | 'annotations' | 'spec'>) {
  return { metadata: { labels: resource.labels, annotations: resource.annotations }, spec: resource.spec };
}

/**
 * Decides created / configured / unchanged for every document (DESIGN §1). Pure.
 * - generation moves only when spec, labels or annotations change, and records the apply's
 *   changeset when it does; resourceVersion on every write;
 * - status and server-set metadata of the manifest are ignored; the stored status is kept;
 * - a manifest carrying a resourceVersion must match the stored one, else a conflict.
 */
export function planApply(input: PlanInput): ApplyPlan {
  const writes: PlannedWrite[] = [];
  const conflicts: FieldProblem[] = [];
  for (const { index, manifest } of input.documents) {
    const labels = manifest.metadata.labels ?? {};
    const annotations = manifest.metadata.annotations ?? {};
    const previous = input.existing.get(`${manifest.kind}/${manifest.metadata.name}`);
    const requestedVersion = manifest.metadata.resourceVersion;
    if (!previous) {
      if (requestedVersion !== undefined) {
        conflicts.push({
          document: index,
          pointer: '/metadata/resourceVersion',
          message: `${manifest.kind} "${manifest.metadata.name}" does not exist, so resourceVersion ${requestedVersion} cannot match`,
        });
        continue;
      }
      const next: StoredResource = {
        tenant: input.tenant,
        kind: manifest.kind,
        name: manifest.metadata.name,
        uid: input.newUid(),
        apiVersion: manifest.apiVersion,
        labels,
        annotations,
        spec: manifest.spec,
        status: {},
        generation: 1,
        resourceVersion: 1,
        createdAt: input.now,
        updatedAt: input.now,
        deletionTimestamp: null,
        finalizers: [],
        changeset: input.changeset,
      };
      const managed = input.manage?.(index, undefined, next);
      if (managed && managed.length > 0) next.managedFields = managed;
      writes.push({ index, outcome: 'created', next, changes: diff(undefined, desiredShape(next)) });
      continue;
    }
    if (requestedVersion !== undefined && requestedVersion !== String(previous.resourceVersion)) {
      conflicts.push({
        document: index,
        pointer: '/metadata/resourceVersion',
        message: `${manifest.kind} "${manifest.metadata.name}" was modified: resourceVersion is ${previous.resourceVersion}, the manifest carries ${requestedVersion}`,
      });
      continue;
    }
    if (previous.deletionTimestamp) {
      conflicts.push({
        document: index,
        pointer: '/metadata/name',
        message: `${manifest.kind} "${manifest.metadata.name}" is being deleted (since ${previous.deletionTimestamp}); apply it again once it is gone`,
      });
      continue;
    }
    const desired = { labels, annotations, spec: manifest.spec };
    const changes = diff(desiredShape(previous), desiredShape(desired));
    const versionChanged = previous.apiVersion !== manifest.apiVersion;
    const managed = input.manage?.(index, previous, {
      ...previous,
      labels,
      annotations,
      spec: manifest.spec,
    });
    const managersChanged = managed !== undefined && !sameManagers(managed, previous.managedFields);
    if (changes.length === 0 && !versionChanged && !managersChanged) {
      writes.push({ index, outcome: 'unchanged', next: previous, previous, changes });
      continue;
    }
    const next: StoredResource = {
      ...previous,
      apiVersion: manifest.apiVersion,
      labels,
      annotations,
      spec: manifest.spec,
      generation: changes.length > 0 ? previous.generation + 1 : previous.generation,
      changeset: changes.length > 0 ? input.changeset : previous.changeset,
      resourceVersion: previous.resourceVersion + 1,
      updatedAt: input.now,
    };
    if (managersChanged) next.managedFields = managed.length > 0 ? managed : undefined;
    writes.push({ index, outcome: 'configured', next, previous, changes });
  }
  return { writes, conflicts };
}

/** Documents naming the same resource twice in one request; all but the first are problems. Pure. */
export function duplicateProblems(documents: Array<{ index: number; manifest: Manifest }>): FieldProblem[] {
  const seen = new Map<string, number>();
  const problems: FieldProblem[] = [];
  for (const { index, manifest } of documents) {
    const key = `${manifest.kind}/${manifest.metadata.name}`;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, index);
    else
      problems.push({
        document: index,
        pointer: '/metadata/name',
        message: `${key} is also named by document ${first}; a request may name a resource once`,
      });
  }
  return problems;
}
