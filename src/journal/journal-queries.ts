import type { Knex } from 'knex';
import type { OperationContext } from '../context.js';
import { parseDuration } from '../contract/duration.js';
import { BadRequestError, isStewardError, NotFoundError } from '../errors.js';
import type { KindIndex } from '../resources/kind-index.js';
import type { Database } from '../store/database.js';
import type { JournalEntry } from './chain.js';
import type { JournalRow } from './journal-entity.js';
import { ENTRY_FILTER_FIELDS, type EntryFilter } from './journal-filter.js';
import { rowToEntry } from './journal-rows.js';
import { JOURNAL_SELECT } from './journal-writer.js';

export const DEFAULT_JOURNAL_PAGE = 100;
export const MAX_JOURNAL_PAGE = 1000;

/** Query parameters of `GET /api/v1/journal`, as received: the entry filters and these. */
export interface JournalQuery extends EntryFilter {
  /** RFC 3339 time or a duration ago (`1h`, `30m`, `7d`); inclusive. */
  since?: string;
  /** RFC 3339 time or a duration ago; exclusive. */
  until?: string;
  limit?: string;
  continue?: string;
}

export interface JournalEntryList {
  apiVersion: 'steward.dev/v1';
  kind: 'JournalEntryList';
  items: JournalEntry[];
  metadata: { continue?: string };
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** `since`/`until`: an RFC 3339 time, or a duration before `now`; answered as stored (ISO, UTC). Pure. */
export function parseTimeBound(value: string, now: Date, parameter: string): string {
  const ago = parseDuration(value);
  if (ago !== undefined) return new Date(now.getTime() - ago).toISOString();
  if (RFC3339.test(value) && !Number.isNaN(Date.parse(value))) {
    return new Date(Date.parse(value)).toISOString();
  }
  throw new BadRequestError(
    `${parameter} must be an RFC 3339 time (2024-05-01T12:00:00Z) or a duration ago (30m, 1h, 7d), got "${value}"`,
  );
}

/** Default 100; above the maximum the page is capped (the client pages on with `continue`). Pure. */
export function parseJournalLimit(limit: string | undefined): number {
  if (limit === undefined || limit === '') return DEFAULT_JOURNAL_PAGE;
  const value = Number(limit);
  if (!Number.isInteger(value) || value < 1)
    throw new BadRequestError(
      `limit must be a positive integer (at most ${MAX_JOURNAL_PAGE} are served), got "${limit}"`,
    );
  return Math.min(value, MAX_JOURNAL_PAGE);
}

/** The continue token is opaque to clients; it carries the last seq served (pages go down). */
export function encodeJournalContinue(before: number): string {
  return Buffer.from(JSON.stringify({ v: 1, before }), 'utf8').toString('base64url');
}

export function decodeJournalContinue(token: string): number {
  try {
    const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      v?: number;
      before?: unknown;
    };
    if (decoded.v === 1 && Number.isSafeInteger(decoded.before) && (decoded.before as number) > 0)
      return decoded.before as number;
  } catch {
    // fall through to the error below
  }
  throw new BadRequestError(
    'invalid continue token: pass back exactly the metadata.continue of the previous page',
  );
}

/** Filters after parsing; every one is an equality or a range served by an index (journal-entity.ts). */
interface Filters extends EntryFilter {
  since?: string;
  until?: string;
}

/**
 * Reads of the journal, newest first, confined to the context's tenant: the query of
 * `GET /api/v1/journal` (needs `journal:read`) and the history of one resource (needs
 * `<plural>:read`, and works for deleted resources since it reads only the journal).
 */
export class JournalQueries {
  constructor(
    private readonly db: Database,
    private readonly kinds: KindIndex,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async list(context: OperationContext, query: JournalQuery): Promise<JournalEntryList> {
    context.authorize('journal:read');
    const now = this.clock();
    const filters: Filters = {
      kind: query.kind ? this.kindName(query.kind) : undefined,
      name: query.name || undefined,
      actor: query.actor || undefined,
      operation: query.operation || undefined,
      result: query.result || undefined,
      changeset: query.changeset || undefined,
      since: query.since ? parseTimeBound(query.since, now, 'since') : undefined,
      until: query.until ? parseTimeBound(query.until, now, 'until') : undefined,
    };
    return this.page(context.tenant, filters, query);
  }

  /**
   * One entry by its seq (`GET /api/v1/journal/{seq}`): what a link to an entry opens. An entry
   * pruned by retention, never written, or another tenant's is the same 404.
   */
  async get(context: OperationContext, seqText: string): Promise<JournalEntry> {
    context.authorize('journal:read');
    const seq = Number(seqText);
    if (!/^[1-9][0-9]*$/.test(seqText) || !Number.isSafeInteger(seq))
      throw new BadRequestError(`a journal seq is a positive integer, got "${seqText}"`);
    const row = (await this.db
      .knex<JournalRow>('journal_entries')
      .select(JOURNAL_SELECT)
      .where({ tenant: context.tenant, seq })
      .first()) as unknown as JournalRow | undefined;
    if (!row)
      throw new NotFoundError(
        `journal entry ${seq} does not exist (pruned by retention, or not written yet)`,
      );
    return rowToEntry(row);
  }

  /**
   * The filter of a follow stream from its query parameters: the query's equality filters, the
   * kind by any of its names. Time bounds are refused rather than ignored: a stream carries only
   * new entries, so `since` would filter nothing and `until` would end it before it began.
   */
  followFilter(query: JournalQuery): EntryFilter {
    for (const bound of ['since', 'until'] as const)
      if (query[bound])
        throw new BadRequestError(
          `${bound} does not apply to a follow stream (it carries entries as they are written): query GET /api/v1/journal with ${bound}, then follow with after=<the newest seq>`,
        );
    const filter: EntryFilter = {};
    for (const field of ENTRY_FILTER_FIELDS) if (query[field]) filter[field] = query[field];
    if (filter.kind) filter.kind = this.kindName(filter.kind);
    return filter;
  }

  async history(
    context: OperationContext,
    plural: string,
    name: string,
    query: Pick<JournalQuery, 'limit' | 'continue' | 'changeset'> = {},
  ): Promise<JournalEntryList> {
    const kind = this.kinds.resolve(plural);
    context.authorize(`${kind.plural}:read`);
    return this.page(
      context.tenant,
      { kind: kind.kind, name, changeset: query.changeset || undefined },
      query,
    );
  }

  private async page(
    tenant: string,
    filters: Filters,
    query: Pick<JournalQuery, 'limit' | 'continue'>,
  ): Promise<JournalEntryList> {
    const limit = parseJournalLimit(query.limit);
    const before = query.continue ? decodeJournalContinue(query.continue) : undefined;
    // One row more than the page tells whether another page follows, without a count query.
    const rows = await this.find(tenant, filters, before, limit + 1);
    const items = rows.slice(0, limit).map(rowToEntry);
    const metadata: JournalEntryList['metadata'] = {};
    if (rows.length > limit) metadata.continue = encodeJournalContinue(items[items.length - 1].seq);
    return { apiVersion: 'steward.dev/v1', kind: 'JournalEntryList', items, metadata };
  }

  /** Matching rows with seq below `before`, newest first. */
  private async find(tenant: string, filters: Filters, before: number | undefined, limit: number) {
    const query = (actorColumn?: 'actor_id' | 'actor_name') => {
      const builder = this.db
        .knex<JournalRow>('journal_entries')
        .select(JOURNAL_SELECT)
        .where('tenant', tenant);
      const equal = (column: string, value: string | undefined) => {
        if (value !== undefined) builder.andWhere(column, value);
      };
      equal('kind', filters.kind);
      equal('name', filters.name);
      equal('operation', filters.operation);
      equal('result', filters.result);
      equal('changeset', filters.changeset);
      if (actorColumn) equal(actorColumn, filters.actor);
      if (filters.since !== undefined) builder.andWhere('time', '>=', filters.since);
      if (filters.until !== undefined) builder.andWhere('time', '<', filters.until);
      if (before !== undefined) builder.andWhere('seq', '<', before);
      return builder.orderBy('seq', 'desc').limit(limit) as unknown as Knex.QueryBuilder<
        JournalRow,
        JournalRow[]
      >;
    };
    if (filters.actor === undefined) return await query();
    // "Actor id or name": two index walks (journal_actor, journal_actor_name) merged by seq,
    // rather than an OR that SQLite would answer by sorting every match.
    const [byId, byName] = await Promise.all([query('actor_id'), query('actor_name')]);
    const merged = new Map<number, JournalRow>();
    for (const row of [...byId, ...byName]) merged.set(Number(row.seq), row);
    return [...merged.values()].sort((a, b) => Number(b.seq) - Number(a.seq)).slice(0, limit);
  }

  /** Kinds are accepted by any of their names (`dev`, `devices`); other values (kinds of entries that name no resource kind) as given. */
  private kindName(kind: string): string {
    try {
      return this.kinds.resolve(kind).kind;
    } catch (error) {
      if (isStewardError(error)) return kind;
      throw error;
    }
  }
}
