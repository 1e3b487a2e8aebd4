/**
 * The apply-set step of an apply, inside its transaction (docs/gitops.md): reads the set's
 * inventory and the owners of what is submitted, decides with planApplySet, and answers the
 * deletions (prune, tombstones) to write with the apply and the inventory to record after it.
 * Refusals (another set's resource, the deletion budget, an empty submission) throw before
 * anything is written.
 */
import type { Knex } from 'knex';
import type { OperationContext } from '../context.js';
import { ConflictError, type FieldProblem } from '../errors.js';
import type { JournalRecord } from '../journal/journal-writer.js';
import type { StoredResource } from '../resources/model.js';
import type { ResourceStore } from '../store/resource-store.js';
import {
  type ApplySetOptions,
  PRUNE_ANNOTATION,
  planApplySet,
  type ResourceRef,
  type SubmittedRef,
} from './applyset-plan.js';
import type { ApplySetStore } from './applyset-store.js';
import { type DeletionResult, deletionOf } from './deletion.js';
import type { PlannedWrite } from './plan.js';

/** A deletion an apply made, as its answer lists it. */
export interface ApplyDeletion {
  /** The tombstone's document; absent for a pruned member. */
  index?: number;
  kind: string;
  name: string;
  /** `pruned` (prune) or `deleted` (tombstone); `deleting` while finalizers run. */
  result: 'pruned' | DeletionResult;
}

/** A refused set of deletions: 409 whose reason says which rule (DeletionBudgetExceeded, EmptySubmission). */
export class DeletionRefusedError extends ConflictError {
  override readonly reason: string;
  constructor(reason: string, message: string, resources: string[]) {
    super(message, { details: { resources } });
    this.reason = reason;
  }
}

export interface SetStep {
  deletions: ApplyDeletion[];
  /** The resources deleted or marked, for the kinds' delete admissions. */
  deleted: StoredResource[];
  removals: StoredResource[];
  markings: StoredResource[];
  records: JournalRecord[];
  /** Records the inventory once the apply's rows are written (nothing without a set). */
  recordInventory(trx: Knex.Transaction, writes: readonly PlannedWrite[]): Promise<void>;
}

export async function applySetStep(
  trx: Knex.Transaction,
  deps: { store: ResourceStore; sets: ApplySetStore; plural: (kind: string) => string },
  context: OperationContext,
  input: {
    /** Undefined: an apply without a set (its tombstones are still honoured, by count budget). */
    options?: ApplySetOptions;
    defaults: Omit<ApplySetOptions, 'name' | 'prune' | 'allowEmpty' | 'forceAdopt'>;
    submitted: SubmittedRef[];
    tombstones: SubmittedRef[];
    now: string;
    changeset: string;
  },
): Promise<SetStep> {
  const { tenant } = context;
  const options: ApplySetOptions = input.options ?? {
    name: '',
    prune: false,
    allowEmpty: false,
    forceAdopt: false,
    ...input.defaults,
  };
  const named = input.options !== undefined;
  const memberRows = named ? await deps.sets.members(trx, tenant, options.name) : [];
  const owners = named
    ? await deps.sets.owners(trx, tenant, [...input.submitted, ...input.tombstones])
    : new Map<string, string>();
  const existing = await deps.store.findMany(trx, tenant, [
    ...memberRows.map(({ kind, name }) => ({ kind, name })),
    ...input.tombstones,
  ]);
  const at = (ref: ResourceRef) => existing.get(`${ref.kind}/${ref.name}`);
  const plan = planApplySet({
    options,
    submitted: input.submitted,
    tombstones: input.tombstones.map((ref) => ({ ...ref, exists: at(ref) !== undefined })),
    owners,
    members: memberRows.map(({ kind, name }) => {
      const resource = at({ kind, name });
      return {
        kind,
        name,
        exists: resource !== undefined,
        pruneDisabled: resource?.annotations[PRUNE_ANNOTATION] === 'disabled',
      };
    }),
  });
  if (plan.conflicts.length > 0)
    throw new ConflictError(
      `${plan.conflicts.map((problem: FieldProblem) => problem.message).join('; ')}; nothing was applied`,
      { problems: plan.conflicts },
    );
  // The permission first: a refusal names resources, which a caller who may not delete their kind
  // must not learn of this way.
  for (const kind of new Set([...plan.prune, ...plan.tombstones].map((ref) => ref.kind)))
    context.authorize(`${deps.plural(kind)}:write`);
  if (plan.refusal)
    throw new DeletionRefusedError(plan.refusal.reason, plan.refusal.message, plan.refusal.resources);

  const step: SetStep = {
    deletions: [],
    deleted: [],
    removals: [],
    markings: [],
    records: [],
    recordInventory: async () => undefined,
  };
  const remove = (ref: ResourceRef, operation: 'prune' | 'delete', index?: number) => {
    const resource = at(ref) as StoredResource;
    const deletion = deletionOf(resource, input.now, input.changeset, operation);
    if (deletion.removal) step.removals.push(deletion.removal);
    if (deletion.marking) step.markings.push(deletion.marking);
    step.records.push(deletion.record);
    step.deleted.push(resource);
    step.deletions.push({
      ...(index === undefined ? {} : { index }),
      kind: ref.kind,
      name: ref.name,
      result: deletion.result === 'deleted' && operation === 'prune' ? 'pruned' : deletion.result,
    });
  };
  for (const ref of plan.prune) remove(ref, 'prune');
  for (const ref of plan.tombstones) remove(ref, 'delete', ref.index);
  if (!named) {
    // Tombstones of an apply without a set: what they delete leaves whichever set held it.
    step.recordInventory = (writeTrx) => deps.sets.forget(writeTrx, tenant, plan.tombstones);
    return step;
  }
  step.recordInventory = (writeTrx, writes) => {
    // The generation (spec, labels, annotations), not the resourceVersion: status writes by
    // controllers move the latter, and are no drift.
    const versions = new Map(
      writes.map((write) => [`${write.next.kind}/${write.next.name}`, write.next.generation]),
    );
    return deps.sets.record(
      writeTrx,
      tenant,
      options.name,
      plan.claim.map((ref) => ({
        kind: ref.kind,
        name: ref.name,
        version: versions.get(`${ref.kind}/${ref.name}`) ?? 0,
      })),
      [...plan.prune, ...plan.release, ...plan.tombstones],
      { changeset: input.changeset, at: input.now, by: `${context.actor.type}:${context.actor.name}` },
      new Set(plan.adopted.map((ref) => `${ref.kind}/${ref.name}`)),
    );
  };
  return step;
}
