/**
 * The apply sets' inventories (applyset_members, applysets): read and written inside the apply's
 * transaction, a statement per few hundred rows, never one per member.
 */
import type { Knex } from 'knex';
import { ConflictError } from '../errors.js';
import { chunk, type Database, type Executor } from '../store/database.js';
import type { ResourceRef } from './applyset-plan.js';
import type { ApplySetMemberRow, ApplySetRow } from './applyset-tables.js';

const MEMBERS = 'applyset_members';
const SETS = 'applysets';

/** An apply set as listed. */
export interface ApplySetSummary {
  name: string;
  members: number;
  /** Members changed (spec, labels, annotations) since the set last applied them. */
  drifted: number;
  lastChangeset: string;
  lastAppliedAt: string;
  lastAppliedBy: string;
}

export class ApplySetStore {
  constructor(private readonly db: Database) {}

  /** The set owning each of `refs`, by `Kind/name` (refs of no set are absent). */
  async owners(trx: Executor, tenant: string, refs: readonly ResourceRef[]): Promise<Map<string, string>> {
    const owners = new Map<string, string>();
    const wanted = new Set(refs.map((ref) => `${ref.kind}/${ref.name}`));
    const names = [...new Set(refs.map((ref) => ref.name))];
    for (const part of chunk(names, 1, this.db.maxParameters - 1)) {
      const rows = (await trx(MEMBERS)
        .where({ tenant })
        .whereIn('name', part)
        .select('kind', 'name', 'applyset')) as ApplySetMemberRow[];
      for (const row of rows)
        if (wanted.has(`${row.kind}/${row.name}`)) owners.set(`${row.kind}/${row.name}`, row.applyset);
    }
    return owners;
  }

  async members(trx: Executor, tenant: string, applyset: string): Promise<ApplySetMemberRow[]> {
    return (await trx(MEMBERS).where({ tenant, applyset }).orderBy(['kind', 'name'])) as ApplySetMemberRow[];
  }

  /** The members with their resource's generation now (null when it is gone), for drift. */
  async membersWithGeneration(
    tenant: string,
    applyset: string,
  ): Promise<Array<ApplySetMemberRow & { generation: number | null }>> {
    return (await this.db
      .knex(`${MEMBERS} as m`)
      .leftJoin('resources as r', (join) =>
        join.on('r.tenant', 'm.tenant').andOn('r.kind', 'm.kind').andOn('r.name', 'm.name'),
      )
      .where({ 'm.tenant': tenant, 'm.applyset': applyset })
      .orderBy(['m.kind', 'm.name'])
      .select('m.*', 'r.generation')) as Array<ApplySetMemberRow & { generation: number | null }>;
  }

  /**
   * Removes these resources from whichever set holds them: they were deleted (by a set's prune, a
   * tombstone, or any delete), so no set owns them any more, and one re-created later is new.
   */
  async forget(trx: Knex.Transaction, tenant: string, refs: readonly ResourceRef[]): Promise<void> {
    for (const part of chunk([...refs], 2, this.db.maxParameters - 1)) {
      await trx(MEMBERS)
        .where({ tenant })
        .whereIn(
          ['kind', 'name'],
          part.map((ref) => [ref.kind, ref.name]),
        )
        .delete();
    }
  }

  /**
   * Records an apply of `applyset`: `claimed` become (or stay) its members at the versions the apply
   * left them; `dropped` leave it (pruned, released, deleted by tombstone).
   */
  async record(
    trx: Knex.Transaction,
    tenant: string,
    applyset: string,
    claimed: ReadonlyArray<ResourceRef & { version: number }>,
    dropped: readonly ResourceRef[],
    last: { changeset: string; at: string; by: string },
    /** `Kind/name` of the claimed resources taken from another set (forceAdopt). */
    adopted: ReadonlySet<string> = new Set(),
  ): Promise<void> {
    await this.forget(trx, tenant, dropped);
    const rows: ApplySetMemberRow[] = claimed.map((ref) => ({
      tenant,
      kind: ref.kind,
      name: ref.name,
      applyset,
      applied_generation: ref.version,
      applied_changeset: last.changeset,
    }));
    // knex writes a multi-row upsert on SQLite as a compound SELECT: at most 500 terms.
    const size = Math.min(this.db.maxParameters, 400 * 6);
    const isAdopted = (row: ApplySetMemberRow) => adopted.has(`${row.kind}/${row.name}`);
    for (const part of chunk(rows.filter(isAdopted), 6, size))
      await trx(MEMBERS)
        .insert(part)
        .onConflict(['tenant', 'kind', 'name'])
        .merge(['applyset', 'applied_generation', 'applied_changeset']);
    // Without adoption a row of another set is never overwritten: a set that claimed the resource
    // concurrently (PostgreSQL) keeps it, and the check below refuses this apply.
    for (const part of chunk(
      rows.filter((row) => !isAdopted(row)),
      6,
      size,
    ))
      await trx(MEMBERS)
        .insert(part)
        .onConflict(['tenant', 'kind', 'name'])
        .merge(['applyset', 'applied_generation', 'applied_changeset'])
        .where(`${MEMBERS}.applyset`, applyset);
    const taken = await this.owners(trx, tenant, claimed);
    const others = claimed.filter((ref) => (taken.get(`${ref.kind}/${ref.name}`) ?? applyset) !== applyset);
    if (others.length > 0)
      throw new ConflictError(
        `${others.map((ref) => `${ref.kind} "${ref.name}" belongs to apply set "${taken.get(`${ref.kind}/${ref.name}`)}"`).join('; ')} (claimed while this apply ran); nothing was applied`,
      );
    const set: ApplySetRow = {
      tenant,
      name: applyset,
      last_changeset: last.changeset,
      last_applied_at: last.at,
      last_applied_by: last.by.slice(0, 256),
    };
    await trx(SETS)
      .insert(set)
      .onConflict(['tenant', 'name'])
      .merge(['last_changeset', 'last_applied_at', 'last_applied_by']);
  }

  /** Every apply set of the tenant with its member count, by name. */
  async list(tenant: string): Promise<ApplySetSummary[]> {
    const sets = (await this.db.knex(SETS).where({ tenant }).orderBy('name')) as ApplySetRow[];
    // One query: members per set, and those whose resource's generation moved past the applied one.
    const counts = (await this.db
      .knex(`${MEMBERS} as m`)
      .leftJoin('resources as r', (join) =>
        join.on('r.tenant', 'm.tenant').andOn('r.kind', 'm.kind').andOn('r.name', 'm.name'),
      )
      .where('m.tenant', tenant)
      .groupBy('m.applyset')
      .select('m.applyset')
      .count({ n: '*' })
      .select(
        this.db.knex.raw('sum(case when r.generation > m.applied_generation then 1 else 0 end) as drifted'),
      )) as Array<{
      applyset: string;
      n: number | string;
      drifted: number | string | null;
    }>;
    const byName = new Map(counts.map((row) => [row.applyset, row]));
    return sets.map((set) => ({
      name: set.name,
      members: Number(byName.get(set.name)?.n ?? 0),
      drifted: Number(byName.get(set.name)?.drifted ?? 0),
      lastChangeset: set.last_changeset,
      lastAppliedAt: set.last_applied_at,
      lastAppliedBy: set.last_applied_by,
    }));
  }
}
