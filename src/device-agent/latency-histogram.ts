/**
 * Call latencies of a simulated fleet (a benchmark records hundreds of thousands) as percentiles,
 * in bounded memory.
 */

/** Latency percentiles in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * Latencies in buckets 1% wide (so a percentile is within 1% of the exact one) and O(1) memory
 * per distinct bucket: a 20 s run at 10,000 calls/s records 200,000 values without keeping them.
 */
export class LatencyHistogram {
  private static readonly GROWTH = Math.log(1.01);
  private readonly buckets = new Map<number, number>();
  private total = 0;
  private largest = 0;

  record(ms: number): void {
    const bucket = ms <= 0.01 ? 0 : Math.ceil(Math.log(ms / 0.01) / LatencyHistogram.GROWTH);
    this.buckets.set(bucket, (this.buckets.get(bucket) ?? 0) + 1);
    this.total++;
    if (ms > this.largest) this.largest = ms;
  }

  /** The upper bound of the bucket holding the q-quantile (0 when empty). */
  quantile(q: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (const bucket of [...this.buckets.keys()].sort((a, b) => a - b)) {
      seen += this.buckets.get(bucket) ?? 0;
      if (seen >= rank) return Math.min(this.largest, 0.01 * Math.exp(bucket * LatencyHistogram.GROWTH));
    }
    return this.largest;
  }

  summary(): LatencySummary {
    return { count: this.total, p50: this.quantile(0.5), p99: this.quantile(0.99), max: this.largest };
  }

  reset(): void {
    this.buckets.clear();
    this.total = 0;
    this.largest = 0;
  }
}
