import type { Actor } from '../context.js';
import type { JournalRecord } from '../journal/link.js';

/**
 * How refused requests (403) reach the journal without letting one credential grow it at will
 * (docs/journal.md, "Refusals"). Per credential and per fixed window of `windowMs`:
 * - the first denial of each kind (same method, path and message) is journaled at once, before
 *   the 403 is answered, as before;
 * - repeats of a kind already journaled are counted, and journaled as one summary entry per kind
 *   (with the count) when the window closes;
 * - past `budget` denials in the window, a further denial is answered 429 with Retry-After until
 *   the window closes, and those refusals are journaled as one entry with their count.
 * Requests that are allowed are never counted or limited: the budget only spends denials.
 *
 * The bound: a window's entries are its distinct kinds (d) plus one summary per kind repeated
 * (s ≤ d, each repeat spending a denial), and d + s ≤ budget, so at most `budget + 1` entries per
 * credential per window per process.
 */
export interface DenialLimits {
  /** Denials answered 403 per credential per window; past it, 429. */
  budget: number;
  windowMs: number;
}

/** A credential's denials in its current window. */
export interface DenialWindow {
  startMs: number;
  /** Denials answered 403 in this window (the budget spent). */
  answered: number;
  /** Kinds of denial journaled in this window, with how many repeats followed each. */
  kinds: Map<string, number>;
  /** Denials answered 429, past the budget. */
  refused: number;
}

export type DenialDecision =
  /** The first of its kind in the window: journal it now, answer 403. */
  | { action: 'journal' }
  /** A repeat of a kind journaled in this window: answer 403, counted into its summary. */
  | { action: 'count' }
  /** The budget is spent: answer 429, retry after the window closes. */
  | { action: 'refuse'; retryAfterMs: number };

/** True when `window` no longer covers `nowMs` (its summaries are due). Pure. */
export function windowClosed(window: DenialWindow, nowMs: number, limits: DenialLimits): boolean {
  return nowMs >= window.startMs + limits.windowMs || nowMs < window.startMs;
}

/**
 * What to do with a denial of kind `kind` in `window` (a window that covers `nowMs`: the caller
 * opens a fresh one when the last closed). Pure: the caller applies the decision to the window.
 */
export function decideDenial(
  window: Pick<DenialWindow, 'startMs' | 'answered' | 'kinds'>,
  kind: string,
  nowMs: number,
  limits: DenialLimits,
): DenialDecision {
  if (window.answered >= limits.budget)
    return { action: 'refuse', retryAfterMs: Math.max(1, window.startMs + limits.windowMs - nowMs) };
  return window.kinds.has(kind) ? { action: 'count' } : { action: 'journal' };
}

/** The summary entries of a closed window: one per kind repeated, one for the refusals. Pure. */
export function summaryRecords(window: DenialWindow, limits: DenialLimits): JournalRecord[] {
  const from = new Date(window.startMs).toISOString();
  const seconds = Math.round(limits.windowMs / 1000);
  const records: JournalRecord[] = [];
  for (const [kind, repeats] of window.kinds)
    if (repeats > 0)
      records.push({
        operation: 'auth.deny',
        result: 'denied',
        reason: `${kind} (repeated ${repeats} more time${repeats === 1 ? '' : 's'} in the ${seconds} s from ${from})`,
      });
  if (window.refused > 0)
    records.push({
      operation: 'auth.deny',
      result: 'throttled',
      reason: `${window.refused} further denial${window.refused === 1 ? '' : 's'} answered 429 in the ${seconds} s from ${from}: more than ${limits.budget} denials per credential`,
    });
  return records;
}

/** Who was refused, for the journal: the last request of the window speaks for its summary. */
export interface Refused {
  tenant: string;
  actor: Actor;
  requestId: string;
  source?: string;
}

/** Appends records in one transaction (the composition root binds it to the journal). */
export type AppendRefusals = (who: Refused, records: JournalRecord[]) => Promise<void>;

interface Tracked {
  who: Refused;
  window: DenialWindow;
}

/** The answer to one denial: journal it (a promise to await before answering 403), or 429. */
export type DenialOutcome =
  | { refused: false; journaled: Promise<void> }
  | { refused: true; retryAfterSeconds: number; budget: number };

/**
 * The per-process state behind decideDenial: windows by credential, bounded in number (the
 * least recently denied is flushed and forgotten first), closed windows flushed by a timer.
 */
export class DenialBudget {
  private readonly windows = new Map<string, Tracked>();
  private timer?: NodeJS.Timeout;
  private readonly pending = new Set<Promise<void>>();

  constructor(
    readonly limits: DenialLimits,
    private readonly append: AppendRefusals,
    private readonly now: () => number = Date.now,
    /** Credentials tracked at most: more are flushed and dropped, oldest first. */
    readonly maxKeys = 10_000,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  /** Flushes closed windows every tenth of a window (at least once a second). */
  start(): void {
    this.timer = setInterval(() => this.flushClosed(), Math.max(1_000, this.limits.windowMs / 10));
    this.timer.unref();
  }

  /** Stops the timer and journals every window's summaries, closed or not. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const key of [...this.windows.keys()]) this.flush(key);
    await Promise.all(this.pending);
  }

  /**
   * Spends a denial of `kind` (method, path and message) by `who`'s credential `key`.
   */
  deny(key: string, who: Refused, kind: string): DenialOutcome {
    const nowMs = this.now();
    let tracked = this.windows.get(key);
    if (tracked && windowClosed(tracked.window, nowMs, this.limits)) {
      this.flush(key);
      tracked = undefined;
    }
    if (!tracked) {
      if (this.windows.size >= this.maxKeys) this.flush(this.windows.keys().next().value as string);
      tracked = { who, window: { startMs: nowMs, answered: 0, kinds: new Map(), refused: 0 } };
      this.windows.set(key, tracked);
    }
    tracked.who = who;
    const { window } = tracked;
    const decision = decideDenial(window, kind, nowMs, this.limits);
    if (decision.action === 'refuse') {
      window.refused++;
      return {
        refused: true,
        retryAfterSeconds: Math.ceil(decision.retryAfterMs / 1000),
        budget: this.limits.budget,
      };
    }
    window.answered++;
    if (decision.action === 'count') {
      window.kinds.set(kind, (window.kinds.get(kind) ?? 0) + 1);
      return { refused: false, journaled: Promise.resolve() };
    }
    window.kinds.set(kind, 0);
    return {
      refused: false,
      journaled: this.append(who, [{ operation: 'auth.deny', result: 'denied', reason: kind }]),
    };
  }

  /** Credentials currently tracked (for tests). */
  get size(): number {
    return this.windows.size;
  }

  /** Journals the summaries of windows that closed. */
  flushClosed(): void {
    const nowMs = this.now();
    for (const [key, tracked] of this.windows)
      if (windowClosed(tracked.window, nowMs, this.limits)) this.flush(key);
  }

  /** Waits for summaries being written (tests). */
  async settled(): Promise<void> {
    await Promise.all(this.pending);
  }

  private flush(key: string): void {
    const tracked = this.windows.get(key);
    this.windows.delete(key);
    if (!tracked) return;
    const records = summaryRecords(tracked.window, this.limits);
    if (records.length === 0) return;
    const writing = this.append(tracked.who, records)
      .catch(this.onError)
      .finally(() => this.pending.delete(writing));
    this.pending.add(writing);
  }
}
