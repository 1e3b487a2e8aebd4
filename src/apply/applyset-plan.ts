/**
 * Apply sets (issue #17, docs/gitops.md): the server keeps, per tenant, which resources each apply
 * set owns (its inventory; a resource belongs to at most one set). An apply naming a set claims
 * every resource it submits; with prune, it also deletes the members it no longer submits, in the
 * same transaction, within a deletion budget. This module decides what an apply does to the
 * inventory; it reads and writes nothing. Pure.
 */
import type { FieldProblem } from '../errors.js';

/** `steward.dev/prune: disabled` on a resource: never pruned (it leaves the set instead). */
export const PRUNE_ANNOTATION = 'steward.dev/prune';
/** `steward.dev/lifecycle: absent` on a submitted manifest: a tombstone, deleting that resource. */
export const LIFECYCLE_ANNOTATION = 'steward.dev/lifecycle';

export const DEFAULT_MAX_DELETIONS = 10;
export const DEFAULT_MAX_DELETION_PERCENT = 30;

export interface ApplySetOptions {
  name: string;
  prune: boolean;
  /** Deletions (pruned members and tombstones) allowed at most. */
  maxDeletions: number;
  /** Of the set's members before this apply, the share that may be deleted, in percent. */
  maxDeletionPercent: number;
  /** Prune even when nothing is submitted (never by default: an empty checkout is a mistake). */
  allowEmpty: boolean;
  /** Claim resources another set owns (they move to this set). */
  forceAdopt: boolean;
}

export interface ResourceRef {
  kind: string;
  name: string;
}

export interface SubmittedRef extends ResourceRef {
  /** The document's index in the request. */
  index: number;
}

export interface CurrentMember extends ResourceRef {
  /** The resource still exists (a member deleted by other means is only dropped). */
  exists: boolean;
  /** It carries `steward.dev/prune: disabled`. */
  pruneDisabled: boolean;
}

export interface ApplySetInput {
  options: ApplySetOptions;
  /** The documents written by this apply (tombstones excluded). */
  submitted: readonly SubmittedRef[];
  /** Tombstone documents, with whether their resource exists. */
  tombstones: ReadonlyArray<SubmittedRef & { exists: boolean }>;
  /** The set owning each submitted or tombstoned resource today, by `Kind/name` (absent: none). */
  owners: ReadonlyMap<string, string>;
  /** The set's members before this apply. */
  members: readonly CurrentMember[];
}

export interface ApplySetPlan {
  /** Resources to record as members of the set (the submitted ones). */
  claim: SubmittedRef[];
  /** Of those, the ones taken from another set (forceAdopt), with their previous set. */
  adopted: Array<SubmittedRef & { from: string }>;
  /** Members to delete (prune). */
  prune: ResourceRef[];
  /** Members leaving the set without being deleted: prune disabled, or already gone. */
  release: ResourceRef[];
  /** Tombstoned resources to delete (those that exist). */
  tombstones: SubmittedRef[];
  /** Resources claimed by another set (without forceAdopt): the apply is refused (409). */
  conflicts: FieldProblem[];
  /** Set when the deletions are refused as a whole (budget, empty submission); names them. */
  refusal?: { reason: 'DeletionBudgetExceeded' | 'EmptySubmission'; message: string; resources: string[] };
}

const keyOf = (ref: ResourceRef) => `${ref.kind}/${ref.name}`;

/** What an apply with an apply set does to the inventory and which resources it deletes. Pure. */
export function planApplySet(input: ApplySetInput): ApplySetPlan {
  const { options } = input;
  const conflicts: FieldProblem[] = [];
  const adopted: ApplySetPlan['adopted'] = [];
  for (const ref of [...input.submitted, ...input.tombstones]) {
    const owner = input.owners.get(keyOf(ref));
    if (owner === undefined || owner === options.name) continue;
    if (options.forceAdopt) adopted.push({ ...ref, from: owner });
    else
      conflicts.push({
        document: ref.index,
        pointer: '/metadata/name',
        message: `${ref.kind} "${ref.name}" belongs to apply set "${owner}": apply it there, or adopt it with forceAdopt (--force-adopt)`,
      });
  }
  const tombstones = input.tombstones.filter((tombstone) => tombstone.exists);
  const base: ApplySetPlan = {
    claim: [...input.submitted],
    adopted,
    prune: [],
    release: [],
    tombstones,
    conflicts,
  };
  if (!options.prune) return budgeted(base, input, options);

  const declared = new Set([...input.submitted, ...input.tombstones].map(keyOf));
  const leaving = input.members.filter((member) => !declared.has(keyOf(member)));
  const prune = leaving
    .filter((member) => member.exists && !member.pruneDisabled)
    .map(({ kind, name }) => ({ kind, name }));
  const release = leaving
    .filter((member) => !member.exists || member.pruneDisabled)
    .map(({ kind, name }) => ({ kind, name }));
  const plan = { ...base, prune, release };
  // Tombstones are deletions, not content: a submission of tombstones alone is as empty as none.
  if (input.submitted.length === 0 && prune.length > 0 && !options.allowEmpty)
    return {
      ...plan,
      refusal: {
        reason: 'EmptySubmission',
        message: `the submission is empty: pruning would delete all ${prune.length} member(s) of apply set "${options.name}" (${names(prune)}); nothing was applied. Pass allowEmpty (--allow-empty) if that is meant`,
        resources: prune.map(keyOf),
      },
    };
  return budgeted(plan, input, options);
}

/** Refuses the plan when its deletions exceed either budget. */
function budgeted(plan: ApplySetPlan, input: ApplySetInput, options: ApplySetOptions): ApplySetPlan {
  const deletions = [...plan.prune, ...plan.tombstones];
  if (deletions.length === 0) return plan;
  // Members deleted by other means are not counted: the budget is a share of what still exists.
  const base = input.members.filter((member) => member.exists).length;
  const percent = base === 0 ? 100 : (100 * deletions.length) / base;
  const overCount = deletions.length > options.maxDeletions;
  const overPercent = base > 0 && percent > options.maxDeletionPercent;
  if (!overCount && !overPercent) return plan;
  const limits = [
    overCount ? `more than maxDeletions ${options.maxDeletions}` : undefined,
    overPercent
      ? `${Number.isInteger(percent) ? percent : percent.toFixed(1)} % of the set's ${base} existing member(s), over maxDeletionPercent ${options.maxDeletionPercent} %`
      : undefined,
  ].filter(Boolean);
  return {
    ...plan,
    refusal: {
      reason: 'DeletionBudgetExceeded',
      message: `this apply would delete ${deletions.length} resource(s) of apply set "${options.name}" (${limits.join('; ')}): ${names(deletions)}; nothing was applied. Raise the budget (--max-deletions, --max-deletion-percent) if that is meant`,
      resources: deletions.map(keyOf),
    },
  };
}

/** At most 20 names, then how many more. */
function names(refs: readonly ResourceRef[]): string {
  const shown = refs.slice(0, 20).map(keyOf).join(', ');
  return refs.length > 20 ? `${shown} and ${refs.length - 20} more` : shown;
}
