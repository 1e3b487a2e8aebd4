import type { Knex } from 'knex';
import type { OperationContext } from '../context.js';
import type { FieldChange } from '../resources/diff.js';
import type { Database } from '../store/database.js';
import { entryTextEncoder, GENESIS_HASH, type OwnFields, type SharedFields, sha256Hex } from './chain.js';
import { insertJournalEntries, JOURNAL_COLUMNS, type SealedEntry } from './journal-insert.js';
import type { JournalHeadRow } from './journal-entity.js';
import { redactedChangesJson } from './redact.js';

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

export { JOURNAL_COLUMNS, journalRowValues } from './journal-insert.js';

/** The columns to select to rebuild an entry (a mutable copy, as knex's select wants). */
export const JOURNAL_SELECT: string[] = [...JOURNAL_COLUMNS];

/** Entries inserted by one statement (the packed SQLite INSERT carries them as a few values). */
const INSERT_BATCH = 5_000;
/** Entries sealed between two turns of the event loop by sealInterleaved. */
const SEAL_SLICE = 200;

/** A tenant's journal head, read and locked for an append. */
export interface LockedHead {
  tenant: string;
  seq: number;
  hash: string;
}

/** Entries chained onto a head, ready to be stored in the same transaction. */
export interface SealedAppend {
  head: LockedHead;
  shared: SharedFields;
  entries: SealedEntry[];
}

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

  /** Appends `records` in the caller's transaction: lockHead, seal, store. */
  async append(
    trx: Knex.Transaction,
    context: OperationContext,
    records: JournalRecord[],
  ): Promise<number[]> {
    if (this.disabled || records.length === 0) return [];
    const head = await this.lockHead(trx, context.tenant);
    return this.store(trx, this.seal(head, context, records));
  }

  /**
   * Reads and locks the tenant's head in one statement (creating it at genesis): the upsert takes
   * the row lock on PostgreSQL, and SQLite serializes writers anyway. Appends of a tenant queue
   * here until the holder commits.
   */
  async lockHead(trx: Knex.Transaction, tenant: string): Promise<LockedHead> {
    const result = await trx.raw(
      'INSERT INTO journal_heads (tenant, seq, hash) VALUES (?, 0, ?) ' +
        'ON CONFLICT (tenant) DO UPDATE SET seq = journal_heads.seq RETURNING seq, hash',
      [tenant, GENESIS_HASH],
    );
    const rows = (Array.isArray(result) ? result : result.rows) as JournalHeadRow[];
    return { tenant, seq: Number(rows[0].seq), hash: rows[0].hash };
  }

  /**
   * Chains `records` onto `head`: sequences, redacted canonical changes, hashes. Pure CPU work, so
   * a caller can run it while the database stores the change itself (see ApplyService).
   */
  seal(head: LockedHead, context: OperationContext, records: JournalRecord[]): SealedAppend {
    const sealing = this.sealing(head, context, records);
    let step = sealing.next();
    while (!step.done) step = sealing.next();
    return step.value;
  }

  /**
   * `seal`, giving the event loop a turn every SEAL_SLICE entries: the database driver needs the
   * main thread between its statements (node-sqlite3 binds values there), so a change written
   * meanwhile keeps moving instead of waiting for the whole seal.
   */
  async sealInterleaved(
    head: LockedHead,
    context: OperationContext,
    records: JournalRecord[],
  ): Promise<SealedAppend> {
    const sealing = this.sealing(head, context, records);
    let step: IteratorResult<void, SealedAppend>;
    do {
      // First turn included: statements the caller just started reach the driver before sealing.
      await new Promise((resolve) => setImmediate(resolve));
      step = sealing.next();
    } while (!step.done);
    return step.value;
  }

  private *sealing(
    head: LockedHead,
    context: OperationContext,
    records: JournalRecord[],
  ): Generator<void, SealedAppend> {
    const shared: SharedFields = {
      tenant: head.tenant,
      // Taken under the head lock, so along a chain written by one clock time never goes backwards.
      time: this.clock().toISOString(),
      actor: { type: context.actor.type, id: context.actor.id, name: context.actor.name },
      requestId: context.requestId,
      source: context.source ?? null,
    };
    const entryText = entryTextEncoder(shared);
    let seq = head.seq;
    let prevHash = head.hash;
    const entries: SealedEntry[] = [];
    for (const record of records) {
      seq += 1;
      const own: OwnFields = {
        seq,
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
      const changesJson = redactedChangesJson(record.changes ?? []);
      const hash = sha256Hex(entryText(own, changesJson));
      entries.push({ own, changesJson, hash });
      prevHash = hash;
      if (entries.length % SEAL_SLICE === 0) yield;
    }
    return { head, shared, entries };
  }

  /** Stores sealed entries and moves the head, in the transaction that locked it. */
  async store(trx: Knex.Transaction, sealed: SealedAppend): Promise<number[]> {
    const { head, shared, entries } = sealed;
    if (this.disabled || entries.length === 0) return [];
    for (let start = 0; start < entries.length; start += INSERT_BATCH)
      await insertJournalEntries(
        trx,
        this.db.dialect,
        this.db.maxParameters,
        shared,
        entries.slice(start, start + INSERT_BATCH),
      );
    const last = entries[entries.length - 1];
    await trx('journal_heads').where({ tenant: head.tenant }).update({ seq: last.own.seq, hash: last.hash });
    this.notifyAfterCommit(trx, head.tenant, last.own.seq);
    return entries.map((entry) => entry.own.seq);
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
