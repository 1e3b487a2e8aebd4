import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The engine's Prometheus metrics, on a registry of its own that the server's `/metrics` merges
 * with the others. Counters and histograms only grow; a restart resets them, which Prometheus'
 * rate() handles.
 */

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

/** What the queue-depth gauge reads at each scrape. */
export interface ObservedQueue {
  readonly backend: string;
  depth(): Promise<QueueGauge>;
}

const QUEUE_STATES = ['waiting', 'active', 'delayed'] as const;

export class EngineMetrics {
  readonly registry = new Registry();
  private queue?: ObservedQueue;
  private readonly reconciles = new Counter({
    name: 'steward_reconcile_total',
    help: 'Reconciles by kind and result.',
    labelNames: ['kind', 'result'] as const,
    registers: [this.registry],
  });
  private readonly retries = new Counter({
    name: 'steward_reconcile_retries_total',
    help: 'Transient failures retried with backoff, by kind.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  private readonly statusWrites = new Counter({
    name: 'steward_status_writes_total',
    help: 'Status writes (only changed statuses are written), by kind.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  private readonly durations = new Histogram({
    name: 'steward_reconcile_duration_seconds',
    help: 'Time to reconcile one key, by kind.',
    labelNames: ['kind'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly queueDepth = new Gauge({
    name: 'steward_queue_depth',
    help: 'Keys in the reconcile queue, by state.',
    labelNames: ['backend', 'state'] as const,
    registers: [this.registry],
    // Read at scrape time: the queue (Redis, for BullMQ) is asked only when someone looks.
    collect: () => this.readQueueDepth(),
  });

  /** The queue whose depth `steward_queue_depth` reports. */
  observeQueue(queue: ObservedQueue): void {
    this.queue = queue;
  }

  private async readQueueDepth(): Promise<void> {
    const queue = this.queue;
    if (!queue) return;
    const depth = await queue.depth().catch(() => ({ waiting: 0, active: 0, delayed: 0 }));
    for (const state of QUEUE_STATES) this.queueDepth.set({ backend: queue.backend, state }, depth[state]);
  }

  recordReconcile(kind: string, result: ReconcileOutcome, seconds: number): void {
    this.reconciles.inc({ kind, result });
    this.durations.observe({ kind }, seconds);
  }

  recordRetry(kind: string): void {
    this.retries.inc({ kind });
  }

  recordStatusWrite(kind: string): void {
    this.statusWrites.inc({ kind });
  }

  /** Reconciles recorded so far, by kind and result (tests and benchmarks read it). */
  async reconcileCount(kind?: string, result?: ReconcileOutcome): Promise<number> {
    let total = 0;
    for (const { labels, value } of (await this.reconciles.get()).values) {
      if ((kind === undefined || labels.kind === kind) && (result === undefined || labels.result === result))
        total += value;
    }
    return total;
  }
}
