/**
 * Failed-attempt limiter over a sliding window, per key (user, address). In memory: each process
 * counts its own attempts, which bounds guessing per process; the scrypt cost bounds the rest.
 */
export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly clock: () => number = Date.now,
    /** Keys tracked at most: a spray of made-up usernames cannot grow the map without bound. */
    readonly maxKeys = 100_000,
  ) {}

  /** Forgets keys whose failures all left the window; if still full, the oldest keys. */
  private makeRoom(): void {
    const since = this.clock() - this.windowMs;
    for (const [key, times] of this.failures) if (times[times.length - 1] <= since) this.failures.delete(key);
    // Maps iterate in insertion order: the first keys are the longest untouched.
    for (const key of this.failures.keys()) {
      if (this.failures.size < this.maxKeys) break;
      this.failures.delete(key);
    }
  }

  private recent(key: string): number[] {
    const since = this.clock() - this.windowMs;
    const kept = (this.failures.get(key) ?? []).filter((time) => time > since);
    if (kept.length === 0) this.failures.delete(key);
    else this.failures.set(key, kept);
    return kept;
  }

  /** Milliseconds until another attempt is allowed, or 0 when one is allowed now. */
  retryAfter(key: string): number {
    const recent = this.recent(key);
    if (recent.length < this.limit) return 0;
    return recent[recent.length - this.limit] + this.windowMs - this.clock();
  }

  fail(key: string): void {
    const recent = this.recent(key);
    recent.push(this.clock());
    // Re-inserted at the end, so insertion order stays "least recently failed first".
    this.failures.delete(key);
    if (this.failures.size >= this.maxKeys) this.makeRoom();
    this.failures.set(key, recent);
  }

  /** Keys currently tracked (for tests and metrics). */
  get size(): number {
    return this.failures.size;
  }

  succeed(key: string): void {
    this.failures.delete(key);
  }
}
