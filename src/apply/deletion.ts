import type { JournalRecord } from '../journal/journal-writer.js';
import type { StoredResource } from '../resources/model.js';

export type DeletionResult = 'deleted' | 'deleting';

/**
 * What deleting one existing resource does (DESIGN §1): without finalizers it is removed; with
 * finalizers it is marked (deletionTimestamp, once) and its controller removes it once cleaned up.
 * `operation` names the journal entry (`delete`, or `prune` for an apply set's prune). Pure.
 */
export function deletionOf(
  resource: StoredResource,
  now: string,
  changeset: string,
  operation: 'delete' | 'prune',
): { result: DeletionResult; removal?: StoredResource; marking?: StoredResource; record: JournalRecord } {
  const record = (result: string): JournalRecord => ({
    operation,
    kind: resource.kind,
    name: resource.name,
    generation: resource.generation,
    result,
    changeset,
  });
  if (resource.finalizers.length === 0)
    return {
      result: 'deleted',
      removal: resource,
      record: record(operation === 'prune' ? 'pruned' : 'deleted'),
    };
  return {
    result: 'deleting',
    // Already marked: deleting again is a no-op that still answers "deleting".
    marking: resource.deletionTimestamp
      ? undefined
      : {
          ...resource,
          deletionTimestamp: now,
          resourceVersion: resource.resourceVersion + 1,
          updatedAt: now,
        },
    record: { ...record('deleting'), changes: [{ pointer: '/metadata/deletionTimestamp', new: now }] },
  };
}
