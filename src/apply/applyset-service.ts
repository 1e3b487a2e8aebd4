/**
 * Apply sets as things of their own (docs/gitops.md): listed with their member counts and last
 * apply, shown with their members, and deleted — orphaning the members (the default) or, with
 * cascade, deleting them through an apply of nothing with prune (so within the same budgets, in
 * one transaction, journaled `pruned`).
 */
import type { Knex } from 'knex';
import { holds, type OperationContext } from '../context.js';
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
    const drifted = members.filter(
      (member) => member.generation !== null && Number(member.generation) > Number(member.applied_generation),
    );
    // Who drifted them: their latest change in the journal, for callers who may read the journal.
    const changes = holds(context, 'journal:read')
      ? await this.lastChanges(context.tenant, drifted)
      : new Map();
    return {
      ...summary,
      items: members.map((member) => {
        const key = `${member.kind}/${member.name}`;
        const isDrifted = drifted.includes(member);
        return {
          kind: member.kind,
          name: member.name,
          appliedGeneration: Number(member.applied_generation),
          appliedChangeset: member.applied_changeset,
          ...(member.generation === null ? {} : { generation: Number(member.generation) }),
          drifted: isDrifted,
          ...(isDrifted && changes.has(key) ? { driftedBy: changes.get(key) } : {}),
        };
      }),
    };
  }

  /** The latest journal entry that changed each member (generation past the applied one), a query per 500 names. */
  private async lastChanges(
    tenant: string,
    members: ReadonlyArray<{ kind: string; name: string; applied_generation: number }>,
  ): Promise<
    Map<string, { actor: string; seq: string; time: string; changeset: string | null; operation: string }>
  > {
    const found = new Map<
      string,
      { actor: string; seq: string; time: string; changeset: string | null; operation: string }
    >();
    const applied = new Map(
      members.map((member) => [`${member.kind}/${member.name}`, Number(member.applied_generation)]),
    );
    for (let start = 0; start < members.length; start += 500) {
      const part = members.slice(start, start + 500);
      const rows = (await this.db
        .knex('journal_entries')
        .where({ tenant })
        .whereIn('name', [...new Set(part.map((member) => member.name))])
        .whereIn('result', ['configured', 'created'])
        .orderBy('seq', 'desc')
        .select(
          'seq',
          'time',
          'actor_type',
          'actor_name',
          'kind',
          'name',
          'generation',
          'changeset',
          'operation',
        )) as Array<{
        seq: number | string;
        time: string;
        actor_type: string;
        actor_name: string;
        kind: string;
        name: string;
        generation: number | null;
        changeset: string | null;
        operation: string;
      }>;
      for (const row of rows) {
        const key = `${row.kind}/${row.name}`;
        const since = applied.get(key);
        if (since === undefined || found.has(key) || (row.generation ?? 0) <= since) continue;
        found.set(key, {
          actor: `${row.actor_type}:${row.actor_name}`,
          seq: String(row.seq),
          time: row.time,
          changeset: row.changeset,
          operation: row.operation,
        });
      }
    }
    return found;
  }

  /** Deletes the set; its members stay (orphaned) unless `cascade`. */
  async delete(
    context: OperationContext,
    name: string,
    options: ApplySetDeleteOptions,
  ): Promise<{ name: string; orphaned: number; deletions: ApplyDeletion[]; dryRun: boolean }> {
    const summary = (await this.sets.list(context.tenant)).find((set) => set.name === name);
    if (!summary) throw new NotFoundError(`apply set "${name}" not found`);
    // The set's own rows and its journal entry, in the transaction that prunes its members (with
    // cascade) or alone: either all of it commits or none, whatever runs beside it.
    const forgetSet = async (trx: Knex.Transaction, orphaned: number, deleted: number) => {
      await trx('applyset_members').where({ tenant: context.tenant, applyset: name }).delete();
      await trx('applysets').where({ tenant: context.tenant, name }).delete();
      await this.journal.append(trx, context, [
        {
          operation: 'applyset.delete',
          kind: 'ApplySet',
          name,
          result: 'deleted',
          reason: options.cascade
            ? `${deleted} member(s) deleted with it${orphaned > 0 ? `, ${orphaned} kept (prune disabled) and orphaned` : ''}`
            : `${orphaned} member(s) orphaned (they stay, in no apply set)`,
        },
      ]);
    };
    if (!options.cascade) {
      const orphaned = summary.members;
      if (!options.dryRun) await this.db.transaction((trx) => forgetSet(trx, orphaned, 0));
      return { name, orphaned, deletions: [], dryRun: options.dryRun === true };
    }
    // Members the prune kept (prune disabled) stay, in no set: orphaned.
    const orphanedBeside = (deleted: number) => Math.max(0, summary.members - deleted);
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
      within: (trx, deletions) => forgetSet(trx, orphanedBeside(deletions.length), deletions.length),
    });
    const deletions = result.deletions ?? [];
    return { name, orphaned: orphanedBeside(deletions.length), deletions, dryRun: options.dryRun === true };
  }
}
