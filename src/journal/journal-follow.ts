import type { OperationContext } from '../context.js';
import { BadRequestError, TooManyRequestsError } from '../errors.js';
import type { Database } from '../store/database.js';
import type { JournalEntry } from './chain.js';
import type { JournalCheckpointRow } from './journal-entity.js';
import { type EntryFilter, isEmptyFilter, matchesEntry } from './journal-filter.js';
import { entriesAfter, rowToEntry } from './journal-rows.js';
import type { JournalWriter } from './journal-writer.js';

export type FollowEvent =
  /**
   * New entries in seq order; `through` is the last seq this event covers, past the last entry
   * when a filter left later ones out (where a resumed stream may start).
   */
  | { type: 'entries'; entries: JournalEntry[]; through: number }
  /** Entries `from`..`to` will never be delivered: pruned by retention, or missing (see verify). */
  | { type: 'gap'; from: number; to: number; reason: 'pruned' | 'missing' };

export interface FollowOptions {
  /** Polling period; commits in this process wake followers at once. */
  pollMs?: number;
  /** How long a gap is waited for before it is reported and skipped. */
  gapGraceMs?: number;
  pageSize?: number;
  /** Concurrent follows one credential may hold in this process (default 8). */
  maxPerCredential?: number;
}

/** `after` of a follow request: a non-negative integer (query parameter or Last-Event-ID). Pure. */
export function parseAfter(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const after = Number(value);
  if (!Number.isSafeInteger(after) || after < 0)
    throw new BadRequestError(`after must be a non-negative integer (a journal seq), got "${value}"`);
  return after;
}

/**
 * Live delivery of a tenant's new entries (`GET /api/v1/journal/follow`), in seq order, without
 * gaps or repeats. Seqs are assigned under the head lock and committed in order, so a reader that
 * sees N+1 has seen N; still, the follower only ever advances over contiguous seqs and waits at a
 * gap, which keeps it right even if that ever stopped being true. A gap that outlasts the grace
 * period is a deleted or pruned entry: it is reported once and skipped, so a follower never stalls.
 */
export class JournalFollower {
  private readonly active = new Set<AbortController>();
  private readonly pollMs: number;
  private readonly gapGraceMs: number;
  private readonly pageSize: number;
  private readonly maxPerCredential: number;
  /** Open follows per credential (tenant, actor type and id): what maxPerCredential caps. */
  private readonly perCredential = new Map<string, number>();

  constructor(
    private readonly db: Database,
    private readonly writer: JournalWriter,
    options: FollowOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 250;
    this.gapGraceMs = options.gapGraceMs ?? 2_000;
    this.pageSize = options.pageSize ?? 500;
    this.maxPerCredential = options.maxPerCredential ?? 8;
  }

  /**
   * Checks the permission now (before any response is started) and answers the stream of events
   * after `after` (the head when undefined: only new entries), of the entries `filter` passes.
   * The stream ends when `signal` aborts or the follower is closed.
   */
  async open(
    context: OperationContext,
    after: number | undefined,
    signal: AbortSignal,
    filter: EntryFilter = {},
  ): Promise<AsyncIterable<FollowEvent>> {
    context.authorize('journal:read');
    const tenant = context.tenant;
    const start = after ?? (await this.headSeq(tenant));
    this.hold(`${tenant}\0${context.actor.type}\0${context.actor.id}`, signal);
    const events = this.events(tenant, start, signal);
    return isEmptyFilter(filter) ? events : filtered(events, filter);
  }

  /**
   * The same stream for the Kubernetes facade's watch (`?watch=true`): its caller has checked the
   * kind's read permission and reads only that kind's resources from the entries, so the journal
   * permission is not asked. Counted against the credential like a follow, separately.
   */
  openWatch(context: OperationContext, after: number, signal: AbortSignal): AsyncIterable<FollowEvent> {
    this.hold(`watch\0${context.tenant}\0${context.actor.type}\0${context.actor.id}`, signal);
    return this.events(context.tenant, after, signal);
  }

  /** The tenant's journal head: the facade's list resourceVersion, where a watch starts. */
  async headSeq(tenant: string): Promise<number> {
    return Number((await this.db.knex('journal_heads').where({ tenant }).first('seq'))?.seq ?? 0);
  }

  /** The last seq retention pruned: a watch from before it is answered 410 Gone. */
  async prunedThrough(tenant: string): Promise<number> {
    return this.checkpointSeq(tenant);
  }

  /**
   * Counts one open follow against its credential until `signal` aborts (the route aborts it when
   * the stream ends, however it ends), or refuses it: each stream holds a connection and a poller,
   * so one key must not be able to hold hundreds.
   */
  private hold(credential: string, signal: AbortSignal): void {
    // Gone already (the client left while the head was read): the stream ends at once, unheld.
    if (signal.aborted) return;
    const open = this.perCredential.get(credential) ?? 0;
    if (open >= this.maxPerCredential)
      throw new TooManyRequestsError(
        `this credential already has ${open} journal follow streams open, the most allowed (STEWARD_MAX_FOLLOWS_PER_CREDENTIAL): close one first`,
        { details: { limit: this.maxPerCredential, retryAfterSeconds: 5 } },
      );
    this.perCredential.set(credential, open + 1);
    signal.addEventListener(
      'abort',
      () => {
        const left = (this.perCredential.get(credential) ?? 1) - 1;
        if (left > 0) this.perCredential.set(credential, left);
        else this.perCredential.delete(credential);
      },
      { once: true },
    );
  }

  /** Ends every open follow (server shutdown: open streams would keep the listener from closing). */
  closeAll(): void {
    for (const controller of this.active) controller.abort();
  }

  private async *events(tenant: string, after: number, outer: AbortSignal): AsyncGenerator<FollowEvent> {
    const controller = new AbortController();
    const signal = controller.signal;
    const abort = () => controller.abort();
    outer.addEventListener('abort', abort, { once: true });
    this.active.add(controller);
    let wake: (() => void) | undefined;
    let pending = false;
    const unsubscribe = this.writer.onCommitted((committed) => {
      if (committed !== tenant) return;
      pending = true;
      wake?.();
    });
    signal.addEventListener('abort', () => wake?.(), { once: true });
    const sleep = () =>
      new Promise<void>((resolve) => {
        if (pending || signal.aborted) return resolve();
        const timer = setTimeout(done, this.pollMs);
        function done() {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        }
        wake = done;
      });
    try {
      let last = after;
      const checkpoint = await this.checkpointSeq(tenant);
      if (checkpoint > last) {
        yield { type: 'gap', from: last + 1, to: checkpoint, reason: 'pruned' };
        last = checkpoint;
      }
      let gapSince: number | undefined;
      while (!signal.aborted) {
        pending = false;
        const rows = await entriesAfter(this.db, tenant, last, this.pageSize);
        const entries: JournalEntry[] = [];
        for (const row of rows) {
          if (Number(row.seq) !== last + 1) break;
          entries.push(rowToEntry(row));
          last += 1;
        }
        if (entries.length > 0) {
          gapSince = undefined;
          yield { type: 'entries', entries, through: last };
        }
        const blocked = rows.length > entries.length;
        if (blocked) {
          const next = Number(rows[entries.length].seq);
          gapSince ??= Date.now();
          if (Date.now() - gapSince >= this.gapGraceMs) {
            const pruned = (await this.checkpointSeq(tenant)) >= next - 1;
            yield { type: 'gap', from: last + 1, to: next - 1, reason: pruned ? 'pruned' : 'missing' };
            last = next - 1;
            gapSince = undefined;
            continue;
          }
        }
        // A full page means more is waiting: read on at once.
        if (!blocked && rows.length === this.pageSize) continue;
        await sleep();
      }
    } finally {
      unsubscribe();
      outer.removeEventListener('abort', abort);
      this.active.delete(controller);
    }
  }

  private async checkpointSeq(tenant: string): Promise<number> {
    const row = await this.db
      .knex<JournalCheckpointRow>('journal_checkpoints')
      .where({ tenant })
      .first('seq');
    return Number(row?.seq ?? 0);
  }
}

/**
 * The events of a stream with only the entries `filter` passes. An event left empty is still
 * passed on (with its `through`) when entries were dropped, so a client can note where it is:
 * a reconnect then starts past what it never wanted, not at its last match.
 */
async function* filtered(
  events: AsyncIterable<FollowEvent>,
  filter: EntryFilter,
): AsyncGenerator<FollowEvent> {
  for await (const event of events) {
    if (event.type !== 'entries') yield event;
    else yield { ...event, entries: event.entries.filter((entry) => matchesEntry(entry, filter)) };
  }
}
