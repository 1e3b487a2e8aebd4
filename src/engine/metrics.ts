/**
 * The engine's Prometheus metrics, kept in memory per process and rendered in the text exposition
 * format by hand (small, no dependency). Counters and histograms only grow; a restart resets them,
 * which Prometheus' rate() handles.
 */

const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export type ReconcileOutcome =
  | 'success'
  | 'requeue'
  | 'error'
  | 'terminal'
  | 'conflict'
  | 'finalize'
  | 'gone';

export interface QueueGauge {
  waiting: number;
  active: number;
  delayed: number;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export class EngineMetrics {
  private readonly reconciles = new Map<string, number>();
  private readonly retries = new Map<string, number>();
  private readonly statusWrites = new Map<string, number>();
  private readonly durations = new Map<string, { buckets: number[]; sum: number; count: number }>();

  recordReconcile(kind: string, result: ReconcileOutcome, seconds: number): void {
    const id = `${kind}\u0000${result}`;
    this.reconciles.set(id, (this.reconciles.get(id) ?? 0) + 1);
    const histogram = this.durations.get(kind) ?? {
      buckets: DURATION_BUCKETS.map(() => 0),
      sum: 0,
      count: 0,
    };
    DURATION_BUCKETS.forEach((bound, index) => {
      if (seconds <= bound) histogram.buckets[index] += 1;
    });
    histogram.sum += seconds;
    histogram.count += 1;
    this.durations.set(kind, histogram);
  }

  recordRetry(kind: string): void {
    this.retries.set(kind, (this.retries.get(kind) ?? 0) + 1);
  }

  recordStatusWrite(kind: string): void {
    this.statusWrites.set(kind, (this.statusWrites.get(kind) ?? 0) + 1);
  }

  /** Reconciles recorded so far, by kind and result (tests and benchmarks read it). */
  reconcileCount(kind?: string, result?: ReconcileOutcome): number {
    let total = 0;
    for (const [id, count] of this.reconciles) {
      const [k, r] = id.split('\u0000');
      if ((kind === undefined || k === kind) && (result === undefined || r === result)) total += count;
    }
    return total;
  }

  /** The Prometheus text format (version 0.0.4). */
  render(queue: QueueGauge, backend: string): string {
    const lines: string[] = [];
    lines.push('# HELP steward_queue_depth Keys in the reconcile queue, by state.');
    lines.push('# TYPE steward_queue_depth gauge');
    for (const state of ['waiting', 'active', 'delayed'] as const)
      lines.push(`steward_queue_depth{backend="${backend}",state="${state}"} ${queue[state]}`);
    lines.push('# HELP steward_reconcile_total Reconciles by kind and result.');
    lines.push('# TYPE steward_reconcile_total counter');
    for (const [id, count] of [...this.reconciles].sort()) {
      const [kind, result] = id.split('\u0000');
      lines.push(`steward_reconcile_total{kind="${escapeLabel(kind)}",result="${result}"} ${count}`);
    }
    lines.push('# HELP steward_reconcile_retries_total Transient failures retried with backoff, by kind.');
    lines.push('# TYPE steward_reconcile_retries_total counter');
    for (const [kind, count] of [...this.retries].sort())
      lines.push(`steward_reconcile_retries_total{kind="${escapeLabel(kind)}"} ${count}`);
    lines.push(
      '# HELP steward_status_writes_total Status writes (only changed statuses are written), by kind.',
    );
    lines.push('# TYPE steward_status_writes_total counter');
    for (const [kind, count] of [...this.statusWrites].sort())
      lines.push(`steward_status_writes_total{kind="${escapeLabel(kind)}"} ${count}`);
    lines.push('# HELP steward_reconcile_duration_seconds Time to reconcile one key, by kind.');
    lines.push('# TYPE steward_reconcile_duration_seconds histogram');
    for (const [kind, histogram] of [...this.durations].sort(([a], [b]) => a.localeCompare(b))) {
      const label = escapeLabel(kind);
      for (const [index, bound] of DURATION_BUCKETS.entries())
        lines.push(
          `steward_reconcile_duration_seconds_bucket{kind="${label}",le="${bound}"} ${histogram.buckets[index]}`,
        );
      lines.push(`steward_reconcile_duration_seconds_bucket{kind="${label}",le="+Inf"} ${histogram.count}`);
      lines.push(`steward_reconcile_duration_seconds_sum{kind="${label}"} ${histogram.sum}`);
      lines.push(`steward_reconcile_duration_seconds_count{kind="${label}"} ${histogram.count}`);
    }
    return `${lines.join('\n')}\n`;
  }
}
