import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { OperationContext } from '../context.js';
import {
  AlreadyExistsError,
  ConflictError,
  type FieldProblem,
  InvalidError,
  NotFoundError,
} from '../errors.js';
import type { JournalRecord, JournalWriter, LockedHead } from '../journal/journal-writer.js';
import { type KindIndex, referenceOf } from '../resources/kind-index.js';
import { recordUpdate } from '../resources/managed-fields.js';
import type { Manifest, ResourceKey, StoredResource } from '../resources/model.js';
import type { ManifestValidator } from '../schema/validator.js';
import type { ChangeFeed } from '../store/change-feed.js';
import type { Database } from '../store/database.js';
import type { ResourceStore } from '../store/resource-store.js';
import type { Admission, AdmittedWrite } from './admission.js';
import { type ApplyDeletion, applySetStep, type SetStep } from './applyset-apply.js';
import {
  type ApplySetOptions,
  DEFAULT_MAX_DELETION_PERCENT,
  DEFAULT_MAX_DELETIONS,
  LIFECYCLE_ANNOTATION,
  type SubmittedRef,
} from './applyset-plan.js';
import { ApplySetStore } from './applyset-store.js';
import type { DecodedDocument } from './decode.js';
import { deletionOf } from './deletion.js';
import {
  type ApplyOutcome,
  type ApplyPlan,
  duplicateProblems,
  type ManageFields,
  type PlannedWrite,
  planApply,
} from './plan.js';

/**
 * The journal records of an apply: one per document, in (kind, name) order rather than document
 * order, so that the journal's kind+name index grows at a few places instead of 10,000 scattered
 * ones (a third less work storing them). Code-unit order, as SQLite compares. Pure.
 */
function applyRecords(planned: ApplyPlan, changeset: string, reason?: string): JournalRecord[] {
  const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const byKindAndName = (a: PlannedWrite, b: PlannedWrite) =>
    order(a.next.kind, b.next.kind) || order(a.next.name, b.next.name);
  return [...planned.writes].sort(byKindAndName).map((write) => ({
    operation: 'apply',
    kind: write.next.kind,
    name: write.next.name,
    generation: write.next.generation,
    result: write.outcome,
    changeset,
    changes: write.changes,
    ...(reason ? { reason } : {}),
  }));
}

export interface ApplyOptions {
  dryRun?: boolean;
  /** The apply set the submission belongs to, and whether to prune it (docs/gitops.md). */
  applySet?: ApplySetOptions;
  /** The journal entries' reason: the surface a write came through (`via kubectl`). */
  reason?: string;
  /** The field managers each write leaves (the Kubernetes facade); default: kept. */
  manage?: ManageFields;
  /** Create only: a resource that exists already is refused (AlreadyExistsError), as a POST is. */
  create?: boolean;
  /** The caller's own writes, last in the apply's transaction (not on dry runs): they commit with it. */
  within?: (trx: Knex.Transaction, deletions: ApplyDeletion[]) => Promise<void>;
}

export interface ApplyItemResult {
  index: number;
  kind: string;
  name: string;
  result: ApplyOutcome;
  generation: number;
  resourceVersion: string;
}

export interface ApplyResponse {
  apiVersion: string;
  kind: 'ApplyResult';
  dryRun: boolean;
  /** Shared by every journal entry of this apply. */
  changeset: string;
  items: ApplyItemResult[];
  /** Resources this apply deleted: pruned members of its apply set and tombstones. */
  deletions?: ApplyDeletion[];
  /** The apply set named, if any. */
  applyset?: string;
}

/** An apply's answer with the resources as written (or, in a dry run, as they would be). */
export interface ApplyWithObjects extends ApplyResponse {
  objects: StoredResource[];
}

export type DeleteOutcome = 'deleted' | 'deleting' | 'notFound';

/** Puts positions on problems of YAML documents (line and column of the field or its parent). */
function locate(problems: FieldProblem[], documents: DecodedDocument[]): FieldProblem[] {
  return problems.map((problem) => {
    const document = problem.document === undefined ? undefined : documents[problem.document];
    const position = document?.positionOf?.(problem.pointer);
    return position ? { ...problem, ...position } : problem;
  });
}

/**
 * Apply and delete, DESIGN §8: validate every document (all problems at once), check permissions
 * per kind, plan against the stored state in one query, write everything and its journal entries
 * in one transaction, then tell the engine. Atomic: any problem means nothing is written.
 */
export class ApplyService {
  constructor(
    private readonly db: Database,
    private readonly store: ResourceStore,
    private readonly validator: ManifestValidator,
    private readonly kinds: KindIndex,
    private readonly journal: JournalWriter,
    private readonly changes: ChangeFeed,
    private readonly clock: () => Date = () => new Date(),
    admissions: readonly Admission[] = [],
  ) {
    for (const admission of admissions) this.admissions.set(admission.kind, admission);
    this.sets = new ApplySetStore(db);
  }

  private readonly admissions = new Map<string, Admission>();
  private readonly sets: ApplySetStore;

  /** The planned writes each admission sees, by kind; refuses (InvalidError) what a check refuses. */
  private admit(
    context: OperationContext,
    planned: ApplyPlan,
    documents: DecodedDocument[],
  ): Map<Admission, AdmittedWrite[]> {
    const byAdmission = new Map<Admission, AdmittedWrite[]>();
    const problems: FieldProblem[] = [];
    for (const write of planned.writes) {
      if (write.outcome === 'unchanged') continue;
      const admission = this.admissions.get(write.next.kind);
      if (!admission) continue;
      const admitted: AdmittedWrite = {
        index: write.index,
        outcome: write.outcome,
        next: write.next,
        previous: write.previous,
      };
      problems.push(...(admission.check?.(admitted, context) ?? []));
      byAdmission.set(admission, [...(byAdmission.get(admission) ?? []), admitted]);
    }
    if (problems.length > 0)
      throw new InvalidError(
        `${problems.length} problem${problems.length > 1 ? 's' : ''} in ${new Set(problems.map((p) => p.document)).size} document(s); nothing was applied`,
        { problems: locate(problems, documents) },
      );
    return byAdmission;
  }

  /** Validates decoded documents; throws InvalidError listing every problem of every document. */
  private validate(
    context: OperationContext,
    documents: DecodedDocument[],
    verb: 'write',
  ): Array<{ index: number; manifest: Manifest }> {
    const problems: FieldProblem[] = [];
    const valid: Array<{ index: number; manifest: Manifest }> = [];
    for (const document of documents) {
      const result = this.validator.validate(document.value, document.index);
      if (result.ok && result.manifest) valid.push({ index: document.index, manifest: result.manifest });
      else problems.push(...result.problems);
    }
    // Permissions before anything else is revealed: one check per kind in the batch.
    const kinds = new Set(valid.map(({ manifest }) => manifest.kind));
    for (const kind of kinds) context.authorize(`${this.kinds.byKind(kind).plural}:${verb}`);
    problems.push(...duplicateProblems(valid));
    if (problems.length > 0) {
      throw new InvalidError(
        `${problems.length} problem${problems.length > 1 ? 's' : ''} in ${new Set(problems.map((p) => p.document)).size} document(s); nothing was applied`,
        {
          problems: locate(problems, documents),
        },
      );
    }
    return valid;
  }

  private async writeResources(trx: Knex.Transaction, planned: ApplyPlan): Promise<void> {
    await this.store.insertMany(
      trx,
      planned.writes.filter((write) => write.outcome === 'created').map((write) => write.next),
    );
    await this.store.replaceMany(
      trx,
      planned.writes.filter((write) => write.outcome === 'configured').map((write) => write.next),
    );
  }

  private async journalApply(
    trx: Knex.Transaction,
    head: LockedHead,
    context: OperationContext,
    planned: ApplyPlan,
    changeset: string,
    deletions: JournalRecord[],
    options: ApplyOptions,
  ): Promise<void> {
    // knex hands the rows' statements to the driver a few turns later: let them get there first.
    await new Promise((resolve) => setImmediate(resolve));
    await this.journal.appendConcurrently(trx, head, context, [
      ...applyRecords(planned, changeset, options.reason),
      ...deletions,
    ]);
  }

  async apply(
    context: OperationContext,
    documents: DecodedDocument[],
    options: ApplyOptions = {},
  ): Promise<ApplyResponse> {
    const { objects: _objects, ...response } = await this.applyWithObjects(context, documents, options);
    return response;
  }

  /** `apply`, also answering the resources as written: the Kubernetes facade returns the object. */
  async applyWithObjects(
    context: OperationContext,
    documents: DecodedDocument[],
    options: ApplyOptions = {},
  ): Promise<ApplyWithObjects> {
    const { tombstones, written } = this.tombstonesOf(context, documents);
    const valid = this.validate(context, written, 'write');
    const changeset = randomUUID();
    const { plan, deletions } = await this.db
      .transaction((trx) => this.writeValid(trx, context, documents, valid, changeset, options, tombstones))
      .catch((error: unknown) => {
        throw concurrentWrite(error) ?? error;
      });
    if (!options.dryRun) {
      this.changes.publish([
        ...plan.writes.filter((write) => write.outcome !== 'unchanged').map(({ next }) => keyOf(next)),
        ...deletions.map(({ kind, name }) => ({ tenant: context.tenant, kind, name })),
      ]);
    }
    return {
      apiVersion: 'steward.dev/v1',
      kind: 'ApplyResult',
      dryRun: options.dryRun === true,
      changeset,
      ...(options.applySet ? { applyset: options.applySet.name } : {}),
      ...(deletions.length > 0 ? { deletions } : {}),
      objects: plan.writes.map((write) => write.next),
      items: plan.writes
        .sort((a, b) => a.index - b.index)
        .map((write) => ({
          index: write.index,
          kind: write.next.kind,
          name: write.next.name,
          result: write.outcome,
          generation: write.next.generation,
          resourceVersion: String(write.next.resourceVersion),
        })),
    };
  }

  /**
   * Applies documents inside the caller's transaction, so that they commit (or roll back) with the
   * caller's own writes: the device API creates an enrolling Device together with the use of its
   * enrollment token. The caller publishes the returned keys once its transaction has committed.
   */
  async applyWithin(
    trx: Knex.Transaction,
    context: OperationContext,
    documents: DecodedDocument[],
  ): Promise<{ items: Array<{ kind: string; name: string; result: ApplyOutcome }>; changed: ResourceKey[] }> {
    const valid = this.validate(context, documents, 'write');
    const { plan } = await this.writeValid(trx, context, documents, valid, randomUUID(), {}, []);
    return {
      items: plan.writes.map((write) => ({
        kind: write.next.kind,
        name: write.next.name,
        result: write.outcome,
      })),
      changed: plan.writes.filter((write) => write.outcome !== 'unchanged').map(({ next }) => keyOf(next)),
    };
  }

  /**
   * Splits tombstones (`steward.dev/lifecycle: absent`, read like a delete: kind and name only)
   * from the documents to write; refuses a resource both written and tombstoned.
   */
  private tombstonesOf(
    context: OperationContext,
    documents: DecodedDocument[],
  ): { tombstones: SubmittedRef[]; written: DecodedDocument[] } {
    const tombstones: SubmittedRef[] = [];
    const written: DecodedDocument[] = [];
    const problems: FieldProblem[] = [];
    for (const document of documents) {
      const annotations = (document.value as { metadata?: { annotations?: Record<string, unknown> } } | null)
        ?.metadata?.annotations;
      if (annotations?.[LIFECYCLE_ANNOTATION] !== 'absent') {
        written.push(document);
        continue;
      }
      const reference = referenceOf(document.value, document.index, this.kinds);
      if (reference.ok)
        tombstones.push({ index: document.index, kind: reference.kind, name: reference.name });
      else problems.push(...reference.problems);
    }
    const writtenNames = new Set(
      written.map((document) => {
        const value = document.value as { kind?: unknown; metadata?: { name?: unknown } } | null;
        return `${String(value?.kind)}/${String(value?.metadata?.name)}`;
      }),
    );
    const seen = new Map<string, number>();
    for (const tombstone of tombstones) {
      const key = `${tombstone.kind}/${tombstone.name}`;
      const first = seen.get(key);
      if (first !== undefined)
        problems.push({
          document: tombstone.index,
          pointer: '/metadata/name',
          message: `${tombstone.kind} "${tombstone.name}" is marked ${LIFECYCLE_ANNOTATION}: absent twice (documents ${first} and ${tombstone.index})`,
        });
      else seen.set(key, tombstone.index);
    }
    for (const tombstone of tombstones)
      if (writtenNames.has(`${tombstone.kind}/${tombstone.name}`))
        problems.push({
          document: tombstone.index,
          pointer: '/metadata/annotations',
          message: `${tombstone.kind} "${tombstone.name}" is both applied and marked ${LIFECYCLE_ANNOTATION}: absent`,
        });
    if (problems.length > 0)
      throw new InvalidError(`${problems.length} problem(s) in tombstones; nothing was applied`, {
        problems: locate(problems, documents),
      });
    for (const kind of new Set(tombstones.map((tombstone) => tombstone.kind)))
      context.authorize(`${this.kinds.byKind(kind).plural}:write`);
    return { tombstones, written };
  }

  /** The apply set's inventory, prune and tombstones (applyset-apply.ts), with the kinds' delete checks. */
  private async setStep(
    trx: Knex.Transaction,
    context: OperationContext,
    valid: Array<{ index: number; manifest: Manifest }>,
    tombstones: SubmittedRef[],
    options: ApplyOptions,
    now: string,
    changeset: string,
  ): Promise<SetStep> {
    const step = await applySetStep(
      trx,
      { store: this.store, sets: this.sets, plural: (kind) => this.kinds.byKind(kind).plural },
      context,
      {
        options: options.applySet,
        defaults: { maxDeletions: DEFAULT_MAX_DELETIONS, maxDeletionPercent: DEFAULT_MAX_DELETION_PERCENT },
        submitted: valid.map(({ index, manifest }) => ({
          index,
          kind: manifest.kind,
          name: manifest.metadata.name,
        })),
        tombstones,
        now,
        changeset,
      },
    );
    const deleting = new Map(step.deleted.map((resource) => [`${resource.kind}/${resource.name}`, resource]));
    const dependents = await this.deletionProblems(
      trx,
      context,
      step.deleted.map((resource) => ({ index: -1, kind: resource.kind, name: resource.name })),
      deleting,
    );
    if (dependents.length > 0)
      throw new ConflictError(
        `${dependents.map((problem) => problem.message).join('; ')}; nothing was applied`,
        {
          problems: dependents,
        },
      );
    return step;
  }

  private async writeValid(
    trx: Knex.Transaction,
    context: OperationContext,
    documents: DecodedDocument[],
    valid: Array<{ index: number; manifest: Manifest }>,
    changeset: string,
    options: ApplyOptions,
    tombstones: SubmittedRef[],
  ): Promise<{ plan: ApplyPlan; deletions: ApplyDeletion[] }> {
    const now = this.clock().toISOString();
    const existing = await this.store.findMany(
      trx,
      context.tenant,
      valid.map(({ manifest }) => ({ kind: manifest.kind, name: manifest.metadata.name })),
    );
    if (options.create && existing.size > 0) {
      const [resource] = existing.values();
      throw new AlreadyExistsError(`${resource.kind} "${resource.name}" already exists`);
    }
    const planned = planApply({
      tenant: context.tenant,
      documents: valid,
      existing,
      now,
      newUid: randomUUID,
      changeset,
      manage: options.manage ?? stewardManager(now),
    });
    if (planned.conflicts.length > 0) {
      throw new ConflictError(
        `${planned.conflicts.length} conflict${planned.conflicts.length > 1 ? 's' : ''}; nothing was applied`,
        {
          problems: locate(planned.conflicts, documents),
        },
      );
    }
    const admitted = this.admit(context, planned, documents);
    const set =
      options.applySet || tombstones.length > 0
        ? await this.setStep(trx, context, valid, tombstones, options, now, changeset)
        : undefined;
    const deletions = set?.deletions ?? [];
    if (options.dryRun) return { plan: planned, deletions };
    for (const [admission, writes] of admitted) await admission.beforeWrite?.(trx, context, writes);
    if (set) {
      await this.beforeDelete(trx, context, set.deleted);
      await this.store.removeMany(trx, set.removals);
      await this.store.replaceMany(trx, set.markings);
    }
    // The journal head is locked first; then the rows are written while the entries are linked
    // (changes encoded here, hashes in the chain worker for a big apply) and stored as soon as
    // they are, so that the database stores them in the gaps while the driver binds the rows.
    const head = this.journal.disabled ? undefined : await this.journal.lockHead(trx, context.tenant);
    const writing = this.writeResources(trx, planned);
    const journaling = head
      ? this.journalApply(trx, head, context, planned, changeset, set?.records ?? [], options)
      : undefined;
    // Both settle before the transaction ends either way: a statement still running when the
    // transaction rolls back would fail for the wrong reason, or run outside of it.
    const [written, journaled] = await Promise.allSettled([writing, journaling]);
    if (written.status === 'rejected') throw written.reason;
    if (journaled.status === 'rejected') throw journaled.reason;
    await set?.recordInventory(trx, planned.writes);
    await options.within?.(trx, deletions);
    return { plan: planned, deletions };
  }

  /**
   * Deletes resources named by manifests (only kind and metadata.name are read; the spec need not
   * validate). A resource with finalizers is marked with deletionTimestamp and removed by its
   * controller once cleaned up. Atomic like apply.
   */
  async deleteByManifests(
    context: OperationContext,
    documents: DecodedDocument[],
    options: ApplyOptions = {},
  ): Promise<Array<{ index: number; kind: string; name: string; result: DeleteOutcome }>> {
    const problems: FieldProblem[] = [];
    const targets: Array<{ index: number; kind: string; name: string }> = [];
    for (const document of documents) {
      const reference = referenceOf(document.value, document.index, this.kinds);
      if (reference.ok) targets.push({ index: document.index, kind: reference.kind, name: reference.name });
      else problems.push(...reference.problems);
    }
    for (const kind of new Set(targets.map((target) => target.kind)))
      context.authorize(`${this.kinds.byKind(kind).plural}:write`);
    if (problems.length > 0)
      throw new InvalidError(`${problems.length} problem(s); nothing was deleted`, {
        problems: locate(problems, documents),
      });
    return this.deleteMany(context, targets, options);
  }

  /** Deletes one resource by kind and name; NotFoundError when it does not exist. */
  async deleteOne(
    context: OperationContext,
    kind: string,
    name: string,
    options: ApplyOptions & { resourceVersion?: string } = {},
  ): Promise<DeleteOutcome> {
    context.authorize(`${this.kinds.byKind(kind).plural}:write`);
    const [result] = await this.deleteMany(
      context,
      [{ index: 0, kind, name, resourceVersion: options.resourceVersion }],
      options,
    );
    if (result.result === 'notFound') throw new NotFoundError(`${kind} "${name}" not found`);
    return result.result;
  }

  /** The kinds' admissions' work inside a delete (a TrustPolicy's tokens revoked with it). */
  private async beforeDelete(
    trx: Knex.Transaction,
    context: OperationContext,
    resources: StoredResource[],
  ): Promise<void> {
    const byAdmission = new Map<Admission, StoredResource[]>();
    for (const resource of resources) {
      const admission = this.admissions.get(resource.kind);
      if (admission?.beforeDelete)
        byAdmission.set(admission, [...(byAdmission.get(admission) ?? []), resource]);
    }
    for (const [admission, deleted] of byAdmission) await admission.beforeDelete?.(trx, context, deleted);
  }

  /** What the kinds' admissions say against deleting these resources (a CA a TrustPolicy trusts). */
  private async deletionProblems(
    trx: Knex.Transaction,
    context: OperationContext,
    targets: ReadonlyArray<{ index: number; kind: string; name: string }>,
    existing: Map<string, StoredResource>,
  ): Promise<FieldProblem[]> {
    const byAdmission = new Map<Admission, Array<{ index: number; resource: StoredResource }>>();
    for (const target of targets) {
      const resource = existing.get(`${target.kind}/${target.name}`);
      const admission = this.admissions.get(target.kind);
      if (!resource || !admission?.checkDelete) continue;
      byAdmission.set(admission, [...(byAdmission.get(admission) ?? []), { index: target.index, resource }]);
    }
    const problems: FieldProblem[] = [];
    const deleting = new Set(targets.map((target) => `${target.kind}/${target.name}`));
    for (const [admission, deletions] of byAdmission)
      problems.push(...((await admission.checkDelete?.(trx, context, deletions, deleting)) ?? []));
    return problems;
  }

  private async deleteMany(
    context: OperationContext,
    targets: Array<{ index: number; kind: string; name: string; resourceVersion?: string }>,
    options: ApplyOptions,
  ) {
    const changeset = randomUUID();
    const now = this.clock().toISOString();
    const changed: ResourceKey[] = [];
    const results = await this.db.transaction(async (trx) => {
      const existing = await this.store.findMany(trx, context.tenant, targets);
      const removals: StoredResource[] = [];
      const markings: StoredResource[] = [];
      const records: JournalRecord[] = [];
      const conflicts: FieldProblem[] = [];
      const outcomes = targets.map((target) => {
        const resource = existing.get(`${target.kind}/${target.name}`);
        if (!resource) return { ...target, result: 'notFound' as const };
        if (
          target.resourceVersion !== undefined &&
          target.resourceVersion !== String(resource.resourceVersion)
        ) {
          conflicts.push({
            document: target.index,
            pointer: '/metadata/resourceVersion',
            message: `${target.kind} "${target.name}" was modified: resourceVersion is ${resource.resourceVersion}, the request carries ${target.resourceVersion}`,
          });
        }
        const deletion = deletionOf(resource, now, changeset, 'delete');
        if (options.reason && !deletion.record.reason) deletion.record.reason = options.reason;
        if (deletion.removal) removals.push(deletion.removal);
        if (deletion.marking) markings.push(deletion.marking);
        records.push(deletion.record);
        changed.push(keyOf(resource));
        return { index: target.index, kind: target.kind, name: target.name, result: deletion.result };
      });
      if (conflicts.length > 0)
        throw new ConflictError('conflict; nothing was deleted', { problems: conflicts });
      const dependents = await this.deletionProblems(trx, context, targets, existing);
      if (dependents.length > 0)
        throw new ConflictError(
          `${dependents.map((problem) => problem.message).join('; ')}; nothing was deleted`,
          {
            problems: dependents,
          },
        );
      if (options.dryRun) return outcomes;
      await this.beforeDelete(trx, context, [...removals, ...markings]);
      await this.store.removeMany(trx, removals);
      await this.store.replaceMany(trx, markings);
      // A deleted resource leaves its apply set: a set's budget counts what exists, and a resource
      // re-created by someone else later is not the set's to prune.
      await this.sets.forget(trx, context.tenant, [...removals, ...markings]);
      await this.journal.append(trx, context, records);
      return outcomes;
    });
    if (!options.dryRun) this.changes.publish(changed);
    return results;
  }
}

/**
 * A unique-key violation of a write planned against rows read in the same transaction: another
 * request created the same resource (or claimed the same member) between the read and the write
 * (PostgreSQL; SQLite serialises writers). That request won; this one is a 409 to retry, not a 500.
 */
function concurrentWrite(error: unknown): ConflictError | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== '23505') return undefined;
  const detail = (error as { detail?: unknown }).detail;
  return new ConflictError(
    `a concurrent request wrote the same resource first${typeof detail === 'string' ? ` (${detail})` : ''}; nothing was applied: apply again`,
  );
}

/**
 * Steward's own writes (`steward apply`, the console) as the field manager `steward`, once a
 * resource has managers at all (the Kubernetes facade gave it some): the fields it changed become
 * its own, so a later `kubectl apply --server-side` sees who changed them. Resources no Kubernetes
 * client ever wrote carry no managers and pay nothing.
 */
function stewardManager(now: string): ManageFields {
  return (_index, previous, next) =>
    previous?.managedFields?.length
      ? recordUpdate({
          entries: previous.managedFields,
          manager: 'steward',
          apiVersion: next.apiVersion,
          before: previous,
          after: next,
          now,
        })
      : undefined;
}

function keyOf(resource: StoredResource): ResourceKey {
  return { tenant: resource.tenant, kind: resource.kind, name: resource.name };
}
