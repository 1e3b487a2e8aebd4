import type { Knex } from 'knex';
import type { OperationContext } from '../context.js';
import { canonicalJson } from '../resources/canonical.js';
import type { FieldChange } from '../resources/diff.js';
import { chunk, type Database } from '../store/database.js';
import { type ChainedEntry, canonicalEntryText, GENESIS_HASH, sha256Hex } from './chain.js';
import type { JournalHeadRow } from './journal-entity.js';
import { redactChanges } from './redact.js';

export { REDACTED, redactChanges } from './redact.js';

/** What a caller records; the writer adds sequence, time, actor, request id and the chain. */
export interface JournalRecord {
  operation: string;
  kind?: string;
  name?: string;
  generation?: number;
  result: string;
  reason?: string;
  changeset?: string;
  changes?: FieldChange[];
}

/** Called after a transaction that appended to `tenant`'s journal committed, with its new head. */
export type CommitListener = (tenant: string, headSeq: number) => void;

export const JOURNAL_COLUMNS = [
  'tenant',
  'seq',
  'time',
  'actor_type',
  'actor_id',
  'actor_name',
  'request_id',
  'source',
  'operation',
  'kind',
  'name',
  'generation',
  'result',
  'reason',
  'changeset',
  'changes',
  'prev_hash',
  'hash',
] as const;

/**
 * One journal_entries row in JOURNAL_COLUMNS order, for multi-row INSERTs. `changesJson` is the
 * canonical JSON of the (redacted) changes, exactly the text the hash covers. Pure.
 */
export function journalRowValues(
  entry: Omit<ChainedEntry, 'changes'>,
  changesJson: string,
  hash: string,
): Array<string | number | null> {
  return [
    entry.tenant,
    entry.seq,
    entry.time,
    entry.actor.type,
    entry.actor.id,
    entry.actor.name,
    entry.requestId,
    entry.source,
    entry.operation,
    entry.kind,
    entry.name,
    entry.generation,
    entry.result,
    entry.reason,
    entry.changeset,
    changesJson,
    entry.prevHash,
    hash,
  ];
}

/** The columns to select to rebuild an entry (a mutable copy, as knex's select wants). */
export const JOURNAL_SELECT: string[] = [...JOURNAL_COLUMNS];

/**
 * Appends to a tenant's journal inside the caller's transaction, so an entry exists exactly when
 * its change does. The head row is locked for the append, which serializes appends per tenant:
 * sequences are therefore committed in order, and a reader that sees seq N+1 has seen N.
 */
export class JournalWriter {
  /** Benchmark-only switch: measures what journaling costs an apply. Never set in production. */
  disabled = false;
  private readonly listeners = new Set<CommitListener>();

  constructor(
    private readonly db: Database,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Subscribes to commits of journal appends in this process (followers wake on them). */
  onCommitted(listener: CommitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async append(
    trx: Knex.Transaction,
    context: OperationContext,
    records: JournalRecord[],
  ): Promise<number[]> {
    if (this.disabled || records.length === 0) return [];
    const tenant = context.tenant;
    await trx.raw(
      'INSERT INTO journal_heads (tenant, seq, hash) VALUES (?, 0, ?) ON CONFLICT (tenant) DO NOTHING',
      [tenant, GENESIS_HASH],
    );
    const head = (await this.db.forUpdate(
      trx<JournalHeadRow>('journal_heads').where({ tenant }).first(),
    )) as JournalHeadRow;
    let seq = Number(head.seq);
    let prevHash = head.hash;
    // Taken under the head lock, so along a chain written by one clock time never goes backwards.
    const time = this.clock().toISOString();
    const actor = { type: context.actor.type, id: context.actor.id, name: context.actor.name };
    const rows: Array<Array<string | number | null>> = [];
    const sequences: number[] = [];
    for (const record of records) {
      seq += 1;
      const entry: Omit<ChainedEntry, 'changes'> = {
        tenant,
        seq,
        time,
        actor,
        requestId: context.requestId,
        source: context.source ?? null,
        operation: record.operation,
        kind: record.kind ?? null,
        name: record.name ?? null,
        generation: record.generation ?? null,
        result: record.result,
        reason: record.reason ?? null,
        changeset: record.changeset ?? null,
        prevHash,
      };
      // Stored in canonical form: the verifier hashes the column's text as it is (fast path).
      const changesJson = canonicalJson(redactChanges(record.changes ?? []));
      const hash = sha256Hex(canonicalEntryText(entry, changesJson));
      rows.push(journalRowValues(entry, changesJson, hash));
      sequences.push(seq);
      prevHash = hash;
    }
    const placeholders = `(${JOURNAL_COLUMNS.map(() => '?').join(', ')})`;
    for (const part of chunk(rows, JOURNAL_COLUMNS.length, this.db.maxParameters)) {
      await trx.raw(
        `INSERT INTO journal_entries (${JOURNAL_COLUMNS.join(', ')}) VALUES ${part.map(() => placeholders).join(', ')}`,
        part.flat(),
      );
    }
    await trx('journal_heads').where({ tenant }).update({ seq, hash: prevHash });
    this.notifyAfterCommit(trx, tenant, seq);
    return sequences;
  }

  private notifyAfterCommit(trx: Knex.Transaction, tenant: string, seq: number): void {
    if (this.listeners.size === 0) return;
    let outermost = trx;
    while (outermost.parentTransaction) outermost = outermost.parentTransaction;
    // A rollback rejects the promise: nothing committed, nobody to wake.
    outermost.executionPromise?.then(
      () => {
        for (const listener of this.listeners) listener(tenant, seq);
      },
      () => undefined,
    );
  }
}
