import type { FieldChange } from '../resources/diff.js';
import { type Database, fromJsonColumn } from '../store/database.js';
import type { JournalEntry } from './chain.js';
import type { JournalCheckpointRow, JournalHeadRow, JournalRow } from './journal-entity.js';
import { JOURNAL_COLUMNS } from './journal-insert.js';

/** A point of a chain: an entry's seq and hash (a head, a checkpoint, or genesis at seq 0). */
export interface ChainAnchor {
  seq: number;
  hash: string;
}

export interface Checkpoint extends ChainAnchor {
  prunedAt: string;
  /** Entries pruned so far, in total. */
  count: number;
}

const nullable = (value: string | null | undefined) => value ?? null;

/** A stored row as the API serves it (PostgreSQL hands bigints back as strings). Pure. */
export function rowToEntry(row: JournalRow): JournalEntry {
  return {
    seq: Number(row.seq),
    time: row.time,
    tenant: row.tenant,
    actor: { type: row.actor_type, id: row.actor_id, name: row.actor_name },
    requestId: row.request_id,
    source: nullable(row.source),
    operation: row.operation,
    kind: nullable(row.kind),
    name: nullable(row.name),
    generation: row.generation === null || row.generation === undefined ? null : Number(row.generation),
    result: row.result,
    reason: nullable(row.reason),
    changeset: nullable(row.changeset),
    changes: fromJsonColumn<FieldChange[]>(row.changes),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export function headOf(row: JournalHeadRow | undefined): ChainAnchor | null {
  return row ? { seq: Number(row.seq), hash: row.hash } : null;
}

export function checkpointOf(row: JournalCheckpointRow | undefined): Checkpoint | null {
  return row
    ? { seq: Number(row.seq), hash: row.hash, prunedAt: row.pruned_at, count: Number(row.count) }
    : null;
}

/** Up to `limit` entries of `tenant` after sequence `after`, oldest first (primary-key walk). */
export function entriesAfter(
  db: Database,
  tenant: string,
  after: number,
  limit: number,
): Promise<JournalRow[]> {
  return db
    .knex<JournalRow>('journal_entries')
    .select([...JOURNAL_COLUMNS])
    .where('tenant', tenant)
    .andWhere('seq', '>', after)
    .orderBy('seq')
    .limit(limit) as unknown as Promise<JournalRow[]>;
}
