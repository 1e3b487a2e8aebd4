import {
  type Clock,
  type HandlerOutcome,
  type KeyHandler,
  type QueueDepth,
  SYSTEM_CLOCK,
  type WorkQueue,
} from './work-queue.js';

/**
 * The embedded queue (one process, no server): a FIFO of distinct keys, a set of keys being
 * handled and a set of keys to handle again once their handler ends, like client-go's workqueue.
 * Keys of urgent kinds (a controller's `priority: 'high'`) wait in a FIFO of their own, taken
 * first: a rollout that gates a fleet is not queued behind thousands of its devices' keys.
 * Nothing survives a restart; start-up queues every resource once (engine.ts).
 */
export class InProcessQueue implements WorkQueue {
  readonly backend = 'in-process' as const;
  /** Due keys in FIFO order (a Set keeps insertion order and absorbs duplicates). */
  private readonly ready = new Set<string>();
  /** Due keys of urgent kinds, taken before `ready`. */
  private readonly urgent = new Set<string>();
  private readonly active = new Set<string>();
  /** Keys added while active: queued again when their handler ends. */
  private readonly dirty = new Set<string>();
  private readonly delayed = new Map<string, { due: number; timer: unknown }>();
  private readonly running = new Set<Promise<void>>();
  private handler?: KeyHandler;
  private closed = false;

  constructor(
    private readonly concurrency: number,
    private readonly clock: Clock = SYSTEM_CLOCK,
    private readonly isUrgent: (key: string) => boolean = () => false,
  ) {}

  private makeReady(key: string): void {
    if (this.isUrgent(key)) this.urgent.add(key);
    else this.ready.add(key);
  }

  async add(keys: readonly string[]): Promise<void> {
    if (this.closed) return;
    for (const key of keys) {
      if (this.active.has(key)) this.dirty.add(key);
      else this.makeReady(key);
    }
    this.pump();
  }

  async addAfter(key: string, delayMs: number): Promise<void> {
    if (this.closed) return;
    if (delayMs <= 0) return this.add([key]);
    const due = this.clock.now() + delayMs;
    const existing = this.delayed.get(key);
    if (existing && existing.due <= due) return;
    if (existing) this.clock.clearTimeout(existing.timer);
    const timer = this.clock.setTimeout(() => {
      this.delayed.delete(key);
      void this.add([key]);
    }, delayMs);
    this.delayed.set(key, { due, timer });
  }

  async start(handler: KeyHandler): Promise<void> {
    this.handler = handler;
    this.pump();
  }

  async depth(): Promise<QueueDepth> {
    return {
      waiting: this.ready.size + this.urgent.size,
      active: this.active.size,
      delayed: this.delayed.size,
    };
  }

  async forget(_key: string): Promise<void> {}

  async claim(_name: string, _ttlMs: number): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const { timer } of this.delayed.values()) this.clock.clearTimeout(timer);
    this.delayed.clear();
    this.ready.clear();
    this.urgent.clear();
    await Promise.allSettled([...this.running]);
  }

  private pump(): void {
    const handler = this.handler;
    if (!handler) return;
    while (!this.closed && this.active.size < this.concurrency && this.ready.size + this.urgent.size > 0) {
      const from = this.urgent.size > 0 ? this.urgent : this.ready;
      const key = from.values().next().value as string;
      from.delete(key);
      this.active.add(key);
      const run = this.run(handler, key);
      this.running.add(run);
      void run.finally(() => this.running.delete(run));
    }
  }

  private async run(handler: KeyHandler, key: string): Promise<void> {
    let outcome: HandlerOutcome = {};
    try {
      outcome = await handler(key);
    } catch {
      // Handlers do not throw; if one does, try again later rather than lose the key.
      outcome = { requeueAfter: 1000 };
    }
    this.active.delete(key);
    if (this.dirty.delete(key)) this.makeReady(key);
    else if (outcome.requeueAfter !== undefined) void this.addAfter(key, outcome.requeueAfter);
    this.pump();
  }
}
