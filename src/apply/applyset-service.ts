/**
 * Apply sets as things of their own (docs/gitops.md): listed with their member counts and last
 * apply, shown with their members, and deleted — orphaning the members (the default) or, with
 * cascade, deleting them through an apply of nothing with prune (so within the same budgets, in
 * one transaction, journaled `pruned`).
 */
import type { OperationContext } from '../context.js';
import { NotFoundError } from '../errors.js';
import type { JournalWriter } from '../journal/journal-writer.js';
import type { Database } from '../store/database.js';
import type { ApplyService } from './apply-service.js';
import type { ApplyDeletion } from './applyset-apply.js';
import { DEFAULT_MAX_DELETION_PERCENT, DEFAULT_MAX_DELETIONS } from './applyset-plan.js';
import { ApplySetStore, type ApplySetSummary } from './applyset-store.js';

export interface ApplySetDeleteOptions {
  cascade: boolean;
  maxDeletions?: number;
  maxDeletionPercent?: number;
  dryRun?: boolean;
}

export class ApplySetService {
  private readonly sets: ApplySetStore;

  constructor(
    private readonly db: Database,
    private readonly journal: JournalWriter,
    private readonly apply: ApplyService,
  ) {
    this.sets = new ApplySetStore(db);
  }

  list(context: OperationContext): Promise<ApplySetSummary[]> {
    return this.sets.list(context.tenant);
  }

  /** One set with its members: the generation and changeset its last apply left each at, and whether it drifted since. */
  async get(context: OperationContext, name: string) {
    const summary = (await this.sets.list(context.tenant)).find((set) => set.name === name);
    if (!summary) throw new NotFoundError(`apply set "${name}" not found`);
    const members = await this.sets.membersWithGeneration(context.tenant, name);
    return {
      ...summary,
      items: members.map((member) => ({
        kind: member.kind,
        name: member.name,
        appliedGeneration: Number(member.applied_generation),
        appliedChangeset: member.applied_changeset,
        ...(member.generation === null ? {} : { generation: Number(member.generation) }),
        drifted: member.generation !== null && Number(member.generation) > Number(member.applied_generation),
      })),
    };
  }

  /** Deletes the set; its members stay (orphaned) unless `cascade`. */
  async delete(
    context: OperationContext,
    name: string,
    options: ApplySetDeleteOptions,
  ): Promise<{ name: string; orphaned: number; deletions: ApplyDeletion[]; dryRun: boolean }> {
    const summary = (await this.sets.list(context.tenant)).find((set) => set.name === name);
    if (!summary) throw new NotFoundError(`apply set "${name}" not found`);
    let deletions: ApplyDeletion[] = [];
    if (options.cascade) {
      const result = await this.apply.apply(context, [], {
        dryRun: options.dryRun,
        applySet: {
          name,
          prune: true,
          allowEmpty: true,
          forceAdopt: false,
          maxDeletions: options.maxDeletions ?? DEFAULT_MAX_DELETIONS,
          maxDeletionPercent: options.maxDeletionPercent ?? DEFAULT_MAX_DELETION_PERCENT,
        },
      });
      deletions = result.deletions ?? [];
    }
    const orphaned = options.cascade ? 0 : summary.members;
    if (options.dryRun) return { name, orphaned, deletions, dryRun: true };
    await this.db.transaction(async (trx) => {
      await trx('applyset_members').where({ tenant: context.tenant, applyset: name }).delete();
      await trx('applysets').where({ tenant: context.tenant, name }).delete();
      await this.journal.append(trx, context, [
        {
          operation: 'applyset.delete',
          kind: 'ApplySet',
          name,
          result: 'deleted',
          reason: options.cascade
            ? `${deletions.length} member(s) deleted with it`
            : `${orphaned} member(s) orphaned (they stay, in no apply set)`,
        },
      ]);
    });
    return { name, orphaned, deletions, dryRun: false };
  }
}
