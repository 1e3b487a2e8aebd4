import type { Knex } from 'knex';
import type { OperationContext } from '../context.js';
import type { FieldChange } from '../resources/diff.js';
import { chunk, type Database, toJsonColumn } from '../store/database.js';
import { type ChainedEntry, entryHash, GENESIS_HASH } from './chain.js';
import type { JournalHeadRow } from './journal-entity.js';

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

/** Field names whose values never enter the journal, wherever they appear in a change. */
const SECRET_FIELD = /(password|secret|token|privatekey|private_key|plaintext|apikey|credential)/i;
export const REDACTED = '[REDACTED]';

/** Replaces values of secret-looking fields in a change summary. Pure. */
export function redactChanges(changes: FieldChange[]): FieldChange[] {
  return changes.map((change) => {
    const secret = change.pointer.split('/').some((segment) => SECRET_FIELD.test(segment));
    if (!secret) return change;
    const redacted: FieldChange = { pointer: change.pointer };
    if ('old' in change) redacted.old = REDACTED;
    if ('new' in change) redacted.new = REDACTED;
    return redacted;
  });
}

const COLUMNS = [
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
];

/**
 * Appends to a tenant's journal inside the caller's transaction, so an entry exists exactly when
 * its change does. The head row is locked for the append, which serializes appends per tenant.
 */
export class JournalWriter {
  /** Benchmark-only switch: measures what journaling costs an apply. Never set in production. */
  disabled = false;

  constructor(
    private readonly db: Database,
    private readonly clock: () => Date = () => new Date(),
  ) {}

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
    const time = this.clock().toISOString();
    const rows: Array<Array<string | number | null>> = [];
    const sequences: number[] = [];
    for (const record of records) {
      seq += 1;
      const entry: ChainedEntry = {
        tenant,
        seq,
        time,
        actor: { type: context.actor.type, id: context.actor.id, name: context.actor.name },
        requestId: context.requestId,
        source: context.source ?? null,
        operation: record.operation,
        kind: record.kind ?? null,
        name: record.name ?? null,
        generation: record.generation ?? null,
        result: record.result,
        reason: record.reason ?? null,
        changeset: record.changeset ?? null,
        changes: redactChanges(record.changes ?? []),
        prevHash,
      };
      const hash = entryHash(entry);
      rows.push([
        tenant,
        seq,
        time,
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
        toJsonColumn(entry.changes),
        prevHash,
        hash,
      ]);
      sequences.push(seq);
      prevHash = hash;
    }
    const placeholders = `(${COLUMNS.map(() => '?').join(', ')})`;
    for (const part of chunk(rows, COLUMNS.length, this.db.maxParameters)) {
      await trx.raw(
        `INSERT INTO journal_entries (${COLUMNS.join(', ')}) VALUES ${part.map(() => placeholders).join(', ')}`,
        part.flat(),
      );
    }
    await trx('journal_heads').where({ tenant }).update({ seq, hash: prevHash });
    return sequences;
  }
}
