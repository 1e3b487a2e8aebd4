import type { OperationContext } from '../context.js';
import { BadRequestError } from '../errors.js';
import type { Database } from '../store/database.js';
import { GENESIS_HASH, type JournalEntry } from './chain.js';
import type { JournalCheckpointRow, JournalHeadRow, JournalRow } from './journal-entity.js';
import { type JournalQuery, parseTimeBound } from './journal-queries.js';
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

/**
 * What an export may be narrowed to: the filters of `GET /api/v1/journal` but the paging (the
 * kind already resolved to its name by the caller, which knows the kinds).
 */
export type ExportFilters = Omit<JournalQuery, 'limit' | 'continue'>;

/** The filters after parsing: equalities and an absolute time range. */
interface ParsedFilters {
  equal: Array<[column: string, value: string]>;
  actor?: string;
  since?: string;
  until?: string;
}

/** Checks the filters (the time bounds parsed as the query parses them, against `now`). Pure. */
export function parseExportFilters(filters: ExportFilters, now: Date): ParsedFilters {
  const equal: ParsedFilters['equal'] = [];
  for (const column of ['kind', 'name', 'operation', 'result', 'changeset'] as const) {
    const value = filters[column];
    if (value) equal.push([column, value]);
  }
  return {
    equal,
    actor: filters.actor || undefined,
    since: filters.since ? parseTimeBound(filters.since, now, 'since') : undefined,
    until: filters.until ? parseTimeBound(filters.until, now, 'until') : undefined,
  };
}

function isFiltered(filters: ParsedFilters): boolean {
  return filters.equal.length > 0 || Boolean(filters.actor || filters.since || filters.until);
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
 *
 * With filters (the journal query's), only the matching entries are written: a selection for
 * reading or a spreadsheet, with the same head line, but not a chain — an offline verify of it
 * reports the first gap. Its file name says `-filtered`.
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
  async open(
    context: OperationContext,
    format: string | undefined,
    filters: ExportFilters = {},
  ): Promise<JournalExport> {
    context.authorize('journal:export');
    const chosen = (format || 'ndjson') as ExportFormat;
    if (!EXPORT_FORMATS.includes(chosen))
      throw new BadRequestError(`format must be one of ${EXPORT_FORMATS.join(', ')}, got "${format}"`);
    const parsed = parseExportFilters(filters, this.clock());
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
      filename: `journal-${tenant}-${stamp}${isFiltered(parsed) ? '-filtered' : ''}.${chosen}`,
      chunks: this.chunks(tenant, chosen, headLine, checkpoint?.seq ?? 0, parsed),
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
    filters: ParsedFilters,
  ): AsyncGenerator<string> {
    const upTo = headLine.seq ?? Number.MAX_SAFE_INTEGER;
    if (format === 'csv') yield `${CSV_COLUMNS.join(',')}\n`;
    const line = format === 'csv' ? csvLine : (entry: JournalEntry) => JSON.stringify(entry);
    let last = from;
    while (last < upTo) {
      const builder = this.db
        .knex<JournalRow>('journal_entries')
        .select(JOURNAL_SELECT)
        .where('tenant', tenant)
        .andWhere('seq', '>', last)
        .andWhere('seq', '<=', upTo);
      for (const [column, value] of filters.equal) builder.andWhere(column, value);
      const { actor } = filters;
      if (actor !== undefined)
        builder.andWhere((either) => either.where('actor_id', actor).orWhere('actor_name', actor));
      if (filters.since !== undefined) builder.andWhere('time', '>=', filters.since);
      if (filters.until !== undefined) builder.andWhere('time', '<', filters.until);
      const rows = (await builder.orderBy('seq').limit(this.pageSize)) as unknown as JournalRow[];
      if (rows.length === 0) break;
      let text = '';
      for (const row of rows) text += `${line(rowToEntry(row))}\n`;
      last = Number(rows[rows.length - 1].seq);
      yield text;
    }
    yield format === 'csv' ? `# ${JSON.stringify(headLine)}\n` : `${JSON.stringify(headLine)}\n`;
  }
}
