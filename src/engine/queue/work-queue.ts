/**
 * The work queue of the engine: it holds keys (`tenant/kind/name`), never events or data. Both
 * backends (in-process, BullMQ) give the same guarantees:
 * - a key waiting is not queued twice (adds while it waits are absorbed);
 * - a key is never handled by two workers at once (BullMQ: across processes too);
 * - a key added while it is being handled is handled again afterwards (no change is lost);
 * - `addAfter` keeps the earliest due time of a key;
 * - at most `concurrency` keys are handled at once per process.
 */

/** What a handler asks of the queue once it is done with a key. */
export interface HandlerOutcome {
  /** Handle the key again after this many milliseconds. */
  requeueAfter?: number;
}

/** Handles one key; must not throw (the engine turns failures into `requeueAfter`). */
export type KeyHandler = (key: string) => Promise<HandlerOutcome>;

export interface QueueDepth {
  /** Keys due and waiting for a worker. */
  waiting: number;
  /** Keys being handled (in this process for in-process, everywhere for BullMQ). */
  active: number;
  /** Keys scheduled for later (requeueAfter, backoff). */
  delayed: number;
}

export interface WorkQueue {
  readonly backend: 'in-process' | 'bullmq';
  /** Queues keys now. Resolves once they are queued (for BullMQ: stored in Redis). */
  add(keys: readonly string[]): Promise<void>;
  /** Queues a key after `delayMs`; an earlier due time of the same key wins. */
  addAfter(key: string, delayMs: number): Promise<void>;
  /** Starts handing keys to `handler`. */
  start(handler: KeyHandler): Promise<void>;
  depth(): Promise<QueueDepth>;
  /** Drops what the queue remembers about a key whose resource is gone. */
  forget(key: string): Promise<void>;
  /**
   * True for one caller per `ttlMs` among every process sharing the queue (resync runs once per
   * period, not once per process). Always true in-process.
   */
  claim(name: string, ttlMs: number): Promise<boolean>;
  /** Stops taking keys and waits for the keys being handled; scheduled keys are dropped (in-process) or kept (BullMQ). */
  close(): Promise<void>;
}

/** Time and timers, injectable so tests can drive backoff and requeueAfter deterministically. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * Node fires a timer longer than 2^31-1 ms (24.8 days) at once, which would turn a controller's
 * "wake me in a year" into a hot loop. Longer waits are cut to the maximum: an early wake-up is
 * harmless, the controller decides again and asks for the rest.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, Math.min(ms, MAX_TIMER_MS));
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
