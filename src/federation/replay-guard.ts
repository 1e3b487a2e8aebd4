/**
 * Remembers the `jti` of every token exchanged for as long as that token could still be accepted,
 * so a token copied from a job's log cannot be exchanged a second time.
 */
export interface ReplayGuard {
  /**
   * Records `jti` until `until` (epoch milliseconds; the token's `exp` plus the leeway).
   * Resolves true when `jti` was not seen before and is now recorded, false when it was already
   * recorded and has not expired. Rejects when it cannot answer; the caller then refuses the
   * token (fail closed). Atomic per `jti`: of two concurrent calls with the same `jti` exactly
   * one resolves true.
   */
  remember(jti: string, until: number): Promise<boolean>;
}

/** The in-memory guard is full of entries that have not expired yet. */
export class ReplayGuardFullError extends Error {
  constructor(readonly capacity: number) {
    super(`replay guard holds ${capacity} unexpired token ids, its capacity`);
    this.name = 'ReplayGuardFullError';
  }
}

export interface InMemoryReplayGuardOptions {
  /** Most token ids held at once (default 100,000). */
  capacity?: number;
  /** Epoch milliseconds; injected by tests. */
  now?: () => number;
}

/**
 * A ReplayGuard for one process (tests, a single-node server). Several processes need a shared
 * store (a DB-backed guard, not built yet), or a token could be exchanged once per process.
 *
 * Bounded: when full, expired entries are swept; if none has expired, `remember` rejects with
 * ReplayGuardFullError instead of forgetting a live entry, because forgetting one would let that
 * token be replayed. The sweep is O(capacity) and runs only when the guard is full.
 */
export class InMemoryReplayGuard implements ReplayGuard {
  private readonly seen = new Map<string, number>();
  private readonly capacity: number;
  private readonly now: () => number;

  constructor(options: InMemoryReplayGuardOptions = {}) {
    this.capacity = options.capacity ?? 100_000;
    this.now = options.now ?? Date.now;
    if (!Number.isInteger(this.capacity) || this.capacity < 1) {
      throw new RangeError(`capacity must be a positive integer, got ${this.capacity}`);
    }
  }

  /** Number of entries held, expired or not (for tests and metrics). */
  get size(): number {
    return this.seen.size;
  }

  async remember(jti: string, until: number): Promise<boolean> {
    const now = this.now();
    const known = this.seen.get(jti);
    if (known !== undefined && known > now) return false;
    if (known === undefined && this.seen.size >= this.capacity) {
      this.sweep(now);
      if (this.seen.size >= this.capacity) throw new ReplayGuardFullError(this.capacity);
    }
    // Re-inserting moves the entry to the end, keeping the map in insertion order.
    this.seen.delete(jti);
    this.seen.set(jti, until);
    return true;
  }

  private sweep(now: number): void {
    for (const [jti, until] of this.seen) {
      if (until <= now) this.seen.delete(jti);
    }
  }
}
