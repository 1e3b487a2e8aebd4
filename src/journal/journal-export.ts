import type { OperationContext } from '../context.js';
import { BadRequestError } from '../errors.js';
import type { Database } from '../store/database.js';
import { GENESIS_HASH, type JournalEntry } from './chain.js';
import type { JournalCheckpointRow, JournalHeadRow, JournalRow } from './journal-entity.js';
import { checkpointOf, headOf, rowToEntry } from './journal-rows.js';
import type { JournalSigner } from './journal-signing.js';
import { JOURNAL_SELECT } from './journal-writer.js';
import type { JournalHeadLine } from './verify-entries.js';

export type ExportFormat = 'ndjson' | 'csv';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['ndjson', 'csv'];
/** Rows per query and per chunk written: memory stays flat whatever the journal's length. */
export const EXPORT_PAGE = 2_000;

export interface JournalExport {
  format: ExportFormat;
  contentType: string;
  filename: string;
  /** Text chunks in order; pulled one at a time, so a slow reader slows the reads. */
  chunks: AsyncIterable<string>;
}

/** The CSV columns, in order: the entry's fields, actor flattened, changes as JSON. */
export const CSV_COLUMNS = [
  'seq',
  'time',
  'tenant',
  'actorType',
  'actorId',
  'actorName',
  'requestId',
  'source',
  'operation',
  'kind',
  'name',
  'generation',
  'result',
  'reason',
  'changeset',
  'changes',
  'prevHash',
  'hash',
] as const;

/** RFC 4180 field: quoted when it holds a comma, quote or line break; null is empty. Pure. */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV line of an entry. Pure. */
export function csvLine(entry: JournalEntry): string {
  return [
    entry.seq,
    entry.time,
    entry.tenant,
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
    JSON.stringify(entry.changes),
    entry.prevHash,
    entry.hash,
  ]
    .map(csvField)
    .join(',');
}

/**
 * Exports of a tenant's journal (`GET /api/v1/journal/export`): every stored entry in seq order,
 * up to the head as it was when the export began, then the head line (NDJSON: a last JSON line of
 * kind JournalHead; CSV: a last line `# ` + the same JSON) so that a truncated file is detectable
 * and the offline verifier knows where the chain starts (the retention checkpoint).
 */
export class JournalExporter {
  constructor(
    private readonly db: Database,
    private readonly signer: JournalSigner,
    private readonly pageSize = EXPORT_PAGE,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * Checks permission and format, reads the head and signs it now, before anything is sent (a
   * signing key that does not open is an ordinary Status); the chunks are read lazily.
   */
  async open(context: OperationContext, format: string | undefined): Promise<JournalExport> {
    context.authorize('journal:export');
    const chosen = (format || 'ndjson') as ExportFormat;
    if (!EXPORT_FORMATS.includes(chosen))
      throw new BadRequestError(`format must be one of ${EXPORT_FORMATS.join(', ')}, got "${format}"`);
    const tenant = context.tenant;
    const [headRow, checkpointRow] = await Promise.all([
      this.db.knex<JournalHeadRow>('journal_heads').where({ tenant }).first(),
      this.db.knex<JournalCheckpointRow>('journal_checkpoints').where({ tenant }).first(),
    ]);
    // A journal that never had an entry has no head row: its head is genesis. Entries without a
    // head row (it was deleted) are exported whole, and the head line says the head is missing.
    const head = headOf(headRow) ?? ((await this.hasEntries(tenant)) ? null : { seq: 0, hash: GENESIS_HASH });
    const checkpoint = checkpointOf(checkpointRow);
    const headLine: JournalHeadLine = {
      kind: 'JournalHead',
      tenant,
      seq: head?.seq ?? null,
      hash: head?.hash ?? null,
      checkpoint:
        checkpoint && checkpoint.seq > 0
          ? {
              seq: checkpoint.seq,
              hash: checkpoint.hash,
              prunedAt: checkpoint.prunedAt,
              count: checkpoint.count,
            }
          : null,
    };
    if (head) headLine.signedHead = await this.signer.sign(tenant, head);
    const stamp = this.clock().toISOString().replace(/[:.]/g, '-');
    return {
      format: chosen,
      contentType: chosen === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      filename: `journal-${tenant}-${stamp}.${chosen}`,
      chunks: this.chunks(tenant, chosen, headLine, checkpoint?.seq ?? 0),
    };
  }

  private async hasEntries(tenant: string): Promise<boolean> {
    return (await this.db.knex('journal_entries').where({ tenant }).first('seq')) !== undefined;
  }

  private async *chunks(
    tenant: string,
    format: ExportFormat,
    headLine: JournalHeadLine,
    from: number,
  ): AsyncGenerator<string> {
    const upTo = headLine.seq ?? Number.MAX_SAFE_INTEGER;
    if (format === 'csv') yield `${CSV_COLUMNS.join(',')}\n`;
    const line = format === 'csv' ? csvLine : (entry: JournalEntry) => JSON.stringify(entry);
    let last = from;
    while (last < upTo) {
      const rows = (await this.db
        .knex<JournalRow>('journal_entries')
        .select(JOURNAL_SELECT)
        .where('tenant', tenant)
        .andWhere('seq', '>', last)
        .andWhere('seq', '<=', upTo)
        .orderBy('seq')
        .limit(this.pageSize)) as unknown as JournalRow[];
      if (rows.length === 0) break;
      let text = '';
      for (const row of rows) text += `${line(rowToEntry(row))}\n`;
      last = Number(rows[rows.length - 1].seq);
      yield text;
    }
    yield format === 'csv' ? `# ${JSON.stringify(headLine)}\n` : `${JSON.stringify(headLine)}\n`;
  }
}
