import type { Knex } from 'knex';
import type { OperationContext } from '../context.js';
import type { Database } from '../store/database.js';
import { GENESIS_HASH, HASH_LENGTH, type SharedFields } from './chain.js';
import { type ChainResponse, chainWorker } from './chain-worker.js';
import type { JournalHeadRow } from './journal-entity.js';
import {
  insertEntriesOfMany,
  insertJournalEntries,
  insertPacked,
  JOURNAL_COLUMNS,
  type LinkedEntry,
  type OwnValue,
} from './journal-insert.js';
import {
  type ChainRecord,
  chainEntries,
  encodeChanges,
  entriesWithHashes,
  type JournalRecord,
  type LinkedAppend,
  type LockedHead,
  linkRecords,
  sharedFields,
} from './link.js';

export type { JournalRecord, LinkedAppend, LockedHead } from './link.js';
export { REDACTED, redactChanges } from './redact.js';

/** Called after a transaction that appended to `tenant`'s journal committed, with its new head. */
export type CommitListener = (tenant: string, headSeq: number) => void;

export { JOURNAL_COLUMNS, journalRowValues } from './journal-insert.js';

/** The columns to select to rebuild an entry (a mutable copy, as knex's select wants). */
export const JOURNAL_SELECT: string[] = [...JOURNAL_COLUMNS];

/** Entries inserted by one statement (the packed SQLite INSERT carries them as a few values). */
const INSERT_BATCH = 5_000;
/** Entries whose changes are encoded between two turns of the event loop in a big append. */
const ENCODE_SLICE = 200;
/** Entries of a big append handed to the database together, as soon as they are linked. */
const STORE_CHUNK = 1_000;
/** Appends at least this big are chained in the worker; for fewer, the round trip costs more. */
const WORKER_MIN_RECORDS = 2_000;

/** A chunk of a big append whose changes are encoded, and the worker's answer if it was sent. */
interface EncodedChunk {
  records: JournalRecord[];
  changes: string[];
  chained?: Promise<ChainResponse | undefined>;
}

function withoutChanges(record: JournalRecord): ChainRecord {
  return {
    operation: record.operation,
    kind: record.kind,
    name: record.name,
    generation: record.generation,
    result: record.result,
    reason: record.reason,
    changeset: record.changeset,
  };
}

/** Buffers cross threads as plain Uint8Arrays; the driver binds Buffers as BLOBs. */
function asBuffer(value: OwnValue | Uint8Array): OwnValue | Buffer {
  return value instanceof Uint8Array && !Buffer.isBuffer(value)
    ? Buffer.from(value.buffer, value.byteOffset, value.byteLength)
    : (value as OwnValue | Buffer);
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

  /** Appends `records` in the caller's transaction: lockHead, link, store. */
  async append(
    trx: Knex.Transaction,
    context: OperationContext,
    records: JournalRecord[],
  ): Promise<number[]> {
    if (this.disabled || records.length === 0) return [];
    const head = await this.lockHead(trx, context.tenant);
    return this.store(trx, this.link(head, context, records));
  }

  /**
   * Appends the records of several operations, each under its own context (actor, request), in
   * one transaction: per tenant one head lock, one multi-row INSERT and one head move, whatever
   * the number of operations. Group commit's path (concurrent issuances); the chain is the one
   * consecutive `append` calls would have made.
   */
  async appendEach(
    trx: Knex.Transaction,
    operations: ReadonlyArray<{ context: OperationContext; records: JournalRecord[] }>,
  ): Promise<void> {
    if (this.disabled) return;
    const byTenant = new Map<string, Array<(typeof operations)[number]>>();
    for (const operation of operations)
      if (operation.records.length > 0)
        byTenant.set(operation.context.tenant, [
          ...(byTenant.get(operation.context.tenant) ?? []),
          operation,
        ]);
    for (const [tenant, group] of byTenant) {
      let head = await this.lockHead(trx, tenant);
      const rows: Array<{ shared: SharedFields; entry: LinkedEntry }> = [];
      for (const { context, records } of group) {
        const shared = this.sharedFor(head, context);
        const entries = linkRecords(head, shared, records);
        for (const entry of entries) rows.push({ shared, entry });
        const last = entries[entries.length - 1];
        head = { tenant, seq: last.own.seq, hash: last.hash };
      }
      await insertEntriesOfMany(trx, this.db.maxParameters, rows);
      await this.moveHead(trx, head);
    }
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
   * Chains `records` onto `head`: sequences, redacted canonical changes, hashes. Pure CPU work.
   */
  link(head: LockedHead, context: OperationContext, records: JournalRecord[]): LinkedAppend {
    const shared = this.sharedFor(head, context);
    return { head, shared, entries: linkRecords(head, shared, records) };
  }

  /**
   * lockHead's continuation for a big append that runs beside other database work (ApplyService
   * writes the rows meanwhile). The event loop only encodes the changes (it has the objects), a
   * chunk at a time with a turn every ENCODE_SLICE entries, because the driver needs the main thread
   * between its statements (node-sqlite3 binds values there); the chain worker hashes and packs
   * each chunk meanwhile; and each chunk goes to the database as soon as it is ready, so SQLite
   * stores it while the main thread prepares the next rows of the change instead of after them.
   * Without the worker (starting, failed, small append) the event loop chains too: same entries.
   */
  async appendConcurrently(
    trx: Knex.Transaction,
    head: LockedHead,
    context: OperationContext,
    records: JournalRecord[],
  ): Promise<void> {
    if (this.disabled || records.length === 0) return;
    const shared = this.sharedFor(head, context);
    const inWorker = records.length >= WORKER_MIN_RECORDS && chainWorker.available();
    const inserts: Array<Promise<unknown>> = [];
    let chain: LockedHead = head;
    let previous: EncodedChunk | undefined;
    for (let start = 0; start < records.length; start += STORE_CHUNK) {
      const chunk = records.slice(start, start + STORE_CHUNK);
      const changes: string[] = new Array(chunk.length);
      for (let index = 0; index < chunk.length; index++) {
        // First turn included: statements the caller just started reach the driver before this.
        if (index % ENCODE_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
        changes[index] = encodeChanges(chunk[index]);
      }
      // This chunk links to the last hash of the one before, which the worker may still hold.
      if (previous) chain = await this.storeChunk(trx, shared, chain, previous, inserts);
      previous = { records: chunk, changes };
      if (inWorker)
        previous.chained = chainWorker.chain({
          head: chain,
          shared,
          records: chunk.map(withoutChanges),
          changes,
          pack: this.db.dialect === 'sqlite',
        });
    }
    if (previous) chain = await this.storeChunk(trx, shared, chain, previous, inserts);
    const settled = await Promise.allSettled(inserts);
    for (const result of settled) if (result.status === 'rejected') throw result.reason;
    await this.moveHead(trx, chain);
  }

  /**
   * Starts the INSERT of one encoded chunk chained onto `chain` (by the worker if it answered, else
   * here) and answers the chain's new head. The INSERT is collected in `inserts`, not awaited.
   */
  private async storeChunk(
    trx: Knex.Transaction,
    shared: SharedFields,
    chain: LockedHead,
    chunk: EncodedChunk,
    inserts: Array<Promise<unknown>>,
  ): Promise<LockedHead> {
    const answer = chunk.chained ? await chunk.chained : undefined;
    let insert: Promise<unknown>;
    let last: string;
    if (answer && 'hashes' in answer && answer.hashes.length === chunk.records.length * HASH_LENGTH) {
      last = answer.hashes.slice(-HASH_LENGTH);
      insert = answer.packed
        ? insertPacked(trx, answer.packed.sql, answer.packed.bindings.map(asBuffer))
        : this.insert(trx, shared, entriesWithHashes(chain, chunk.records, chunk.changes, answer.hashes));
    } else {
      const entries = chainEntries(chain, shared, chunk.records, chunk.changes);
      last = entries[entries.length - 1].hash;
      insert = this.insert(trx, shared, entries);
    }
    // Observed at once (no unhandled rejection while the next chunks are prepared); thrown later.
    insert.catch(() => undefined);
    inserts.push(insert);
    return { tenant: chain.tenant, seq: chain.seq + chunk.records.length, hash: last };
  }

  private insert(trx: Knex.Transaction, shared: SharedFields, entries: LinkedEntry[]): Promise<void> {
    return insertJournalEntries(trx, this.db.dialect, this.db.maxParameters, shared, entries);
  }

  private sharedFor(head: LockedHead, context: OperationContext) {
    // Taken under the head lock, so along a chain written by one clock time never goes backwards.
    return sharedFields(head.tenant, this.clock().toISOString(), context);
  }

  /** Stores linked entries and moves the head, in the transaction that locked it. */
  async store(trx: Knex.Transaction, append: LinkedAppend): Promise<number[]> {
    const { head, shared, entries } = append;
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
    await this.moveHead(trx, { tenant: head.tenant, seq: last.own.seq, hash: last.hash });
    return entries.map((entry) => entry.own.seq);
  }

  private async moveHead(trx: Knex.Transaction, head: LockedHead): Promise<void> {
    await trx('journal_heads').where({ tenant: head.tenant }).update({ seq: head.seq, hash: head.hash });
    this.notifyAfterCommit(trx, head.tenant, head.seq);
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
