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

/** Entries sealed (redacted, encoded, hashed) and inserted at a time by one append. */
const APPEND_BATCH = 1_000;

/**
 * At most one INSERT in flight while the caller seals the next batch, so that the database stores
 * batch n (on its own thread for SQLite, on the server for PostgreSQL) while JavaScript hashes
 * batch n+1. Statements still run one after the other, in order, in the caller's transaction.
 */
class InsertPipeline {
  private inFlight: Promise<void> | undefined;

  /** Waits for the previous insert (throwing its error), then starts `insert`. */
  async add(insert: () => Promise<void>, more: boolean): Promise<void> {
    await this.inFlight;
    const running = insert();
    // Handled at once, so that a failure while the next batch is sealed is not an unhandled
    // rejection; it is thrown by the next add or by drain.
    running.catch(() => undefined);
    this.inFlight = running;
    // knex hands the statement to the driver a few promise turns later: let it get there before
    // the caller goes back to hashing, or the two would not overlap.
    if (more) await new Promise((resolve) => setImmediate(resolve));
  }

  async drain(): Promise<void> {
    await this.inFlight;
  }
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
    const shared: SharedFields = {
      tenant,
      // Taken under the head lock, so along a chain written by one clock time never goes backwards.
      time: this.clock().toISOString(),
      actor: { type: context.actor.type, id: context.actor.id, name: context.actor.name },
      requestId: context.requestId,
      source: context.source ?? null,
    };
    const entryText = entryTextEncoder(shared);
    const sequences: number[] = [];
    const inserts = new InsertPipeline();
    for (let start = 0; start < records.length; start += APPEND_BATCH) {
      const batch: SealedEntry[] = [];
      for (const record of records.slice(start, start + APPEND_BATCH)) {
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
        batch.push({ own, changesJson, hash });
        sequences.push(seq);
        prevHash = hash;
      }
      await inserts.add(
        () => insertJournalEntries(trx, this.db.dialect, this.db.maxParameters, shared, batch),
        start + APPEND_BATCH < records.length,
      );
    }
    await inserts.drain();
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
