import { DelayedError, type Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { HandlerOutcome, KeyHandler, QueueDepth, WorkQueue } from './work-queue.js';

const QUEUE_NAME = 'reconcile';
const JOB_NAME = 'reconcile';
/** Longest sleep of the promoter between looks at the `later` set (other processes add to it too). */
const MAX_PROMOTE_SLEEP_MS = 500;
const ADD_CHUNK = 1000;
/** BullMQ's priority of every key but urgent ones (which have none, and so go first). */
const ORDINARY_PRIORITY = 1;

/** Moves due keys out of the `later` set atomically, so two processes never both promote one entry. */
const TAKE_DUE = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
if #due > 0 then redis.call('ZREM', KEYS[1], unpack(due)) end
return due`;

export interface BullQueueOptions {
  redisUrl: string;
  /** Namespaces every Redis key of this installation (STEWARD_QUEUE_PREFIX). */
  prefix: string;
  concurrency: number;
  /**
   * How long a worker's lock on a key lasts (renewed at half of it while the handler runs). A
   * process killed mid-reconcile leaves its keys locked this long; then another process's stalled
   * check hands them out again.
   */
  lockDurationMs: number;
  /**
   * Keys of urgent kinds (a controller's `priority: 'high'`): they go to BullMQ's wait list, every
   * other key is prioritized behind them (BullMQ serves jobs without a priority first), so a
   * rollout is not queued behind thousands of its devices' keys, as in the in-process queue.
   */
  isUrgent?: (key: string) => boolean;
}

/**
 * The scale-out queue on BullMQ. One BullMQ job per key, its jobId the key itself:
 * - waiting de-duplication is BullMQ's: adding a jobId that exists is a no-op;
 * - mutual exclusion is BullMQ's job lock (a Redis lock per job, hence per key, with a TTL renewed
 *   while the handler runs); a process that dies leaves a stalled job, moved back to wait by the
 *   stalled check of any live worker, so the key is reconciled again (the reconcile is idempotent
 *   and its status write conditional, so the repeat converges);
 * - "added while active": an add while the job is active is dropped by BullMQ, so every add also
 *   increments a per-key event counter (hash `events`); the handler compares the counter before
 *   and after its run and, if it moved, moves its own job to delayed(now) instead of completing
 *   it; the window between that check and the job's removal is closed by checking again on
 *   `completed`. (A process dying inside that window leaves the key to resync.)
 * - delayed keys (requeueAfter, backoff) live in a sorted set `later` scored by due time, with
 *   ZADD LT so the earliest due time wins; each process promotes due entries. BullMQ's own delayed
 *   jobs would hold the jobId and swallow an immediate add until the delay ran out.
 */
export class BullQueue implements WorkQueue {
  readonly backend = 'bullmq' as const;
  private readonly client: Redis;
  private readonly queue: Queue;
  private worker?: Worker;
  private readonly eventsKey: string;
  private readonly laterKey: string;
  /** Event counter seen at the start of each job run, for the check on `completed`. */
  private readonly seenAtStart = new Map<string, string | null>();
  private promoteTimer?: NodeJS.Timeout;
  private promoteDue = Number.POSITIVE_INFINITY;
  private promoting = false;
  /** A promote was asked for while one ran: run again right after. */
  private promoteAgain = false;
  private closed = false;

  constructor(private readonly options: BullQueueOptions) {
    this.client = new Redis(options.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
    this.queue = new Queue(QUEUE_NAME, { connection: this.client, prefix: options.prefix });
    this.eventsKey = `${options.prefix}:${QUEUE_NAME}:steward:events`;
    this.laterKey = `${options.prefix}:${QUEUE_NAME}:steward:later`;
    this.client.defineCommand('stewardTakeDue', { numberOfKeys: 1, lua: TAKE_DUE });
  }

  async add(keys: readonly string[]): Promise<void> {
    if (this.closed || keys.length === 0) return;
    for (let start = 0; start < keys.length; start += ADD_CHUNK) {
      const part = keys.slice(start, start + ADD_CHUNK);
      const pipeline = this.client.pipeline();
      for (const key of part) pipeline.hincrby(this.eventsKey, key, 1);
      await pipeline.exec();
      await this.enqueue(part);
    }
  }

  async addAfter(key: string, delayMs: number): Promise<void> {
    if (this.closed) return;
    if (delayMs <= 0) return this.add([key]);
    const due = Date.now() + delayMs;
    await this.client.zadd(this.laterKey, 'LT', String(due), key);
    this.schedulePromote(due);
  }

  async start(handler: KeyHandler): Promise<void> {
    this.worker = new Worker(QUEUE_NAME, (job, token) => this.process(handler, job, token), {
      connection: this.client,
      prefix: this.options.prefix,
      concurrency: this.options.concurrency,
      lockDuration: this.options.lockDurationMs,
      stalledInterval: this.options.lockDurationMs,
      // A key whose reconcile keeps killing processes ends up failed (and removed); resync retries it.
      maxStalledCount: 20,
      removeOnComplete: { count: 0 },
      removeOnFail: { count: 0 },
    });
    this.worker.on('completed', (job) => void this.afterCompleted(job));
    this.worker.on('error', () => undefined);
    this.schedulePromote(Date.now());
  }

  async depth(): Promise<QueueDepth> {
    const counts = await this.queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed');
    const later = await this.client.zcard(this.laterKey);
    return {
      waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0),
      active: counts.active ?? 0,
      delayed: later,
    };
  }

  /** Forgets a key's event counter (its resource is gone). */
  async forget(key: string): Promise<void> {
    await this.client.hdel(this.eventsKey, key);
  }

  async claim(name: string, ttlMs: number): Promise<boolean> {
    const claimed = await this.client.set(
      `${this.options.prefix}:${QUEUE_NAME}:steward:claim:${name}`,
      '1',
      'PX',
      ttlMs,
      'NX',
    );
    return claimed === 'OK';
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.promoteTimer) clearTimeout(this.promoteTimer);
    await this.worker?.close();
    await this.queue.close();
    await this.client.quit().catch(() => undefined);
  }

  /** Removes every Redis key of this prefix's queue (tests and benchmarks only). */
  async obliterate(): Promise<void> {
    await this.queue.obliterate({ force: true });
    await this.client.del(this.eventsKey, this.laterKey);
  }

  private async enqueue(keys: readonly string[]): Promise<void> {
    await this.queue.addBulk(
      keys.map((key) => ({
        name: JOB_NAME,
        // The queue holds keys only: the jobId is the key and the job carries no data.
        data: {},
        opts: {
          jobId: key,
          removeOnComplete: true,
          removeOnFail: true,
          ...(this.options.isUrgent?.(key) ? {} : { priority: ORDINARY_PRIORITY }),
        },
      })),
    );
  }

  private async process(handler: KeyHandler, job: Job, token?: string): Promise<void> {
    const key = job.id as string;
    const seen = await this.client.hget(this.eventsKey, key);
    let outcome: HandlerOutcome;
    try {
      outcome = await handler(key);
    } catch {
      outcome = { requeueAfter: 1000 };
    }
    const now = await this.client.hget(this.eventsKey, key);
    if (now !== seen || (outcome.requeueAfter !== undefined && outcome.requeueAfter <= 0)) {
      // Changed while we ran (or asked to run again at once): keep the job, and so its jobId,
      // alive and run it again; an add now would be swallowed by the active job.
      await job.moveToDelayed(Date.now(), token);
      throw new DelayedError();
    }
    if (outcome.requeueAfter !== undefined) await this.addAfter(key, outcome.requeueAfter);
    this.seenAtStart.set(key, seen);
  }

  private async afterCompleted(job: Job): Promise<void> {
    const key = job.id as string;
    const seen = this.seenAtStart.get(key);
    this.seenAtStart.delete(key);
    if (seen === undefined || this.closed) return;
    const now = await this.client.hget(this.eventsKey, key).catch(() => seen);
    if (now !== seen) await this.enqueue([key]).catch(() => undefined);
  }

  private schedulePromote(due: number): void {
    if (this.closed || !this.worker) return;
    if (due >= this.promoteDue && this.promoteTimer) return;
    if (this.promoteTimer) clearTimeout(this.promoteTimer);
    this.promoteDue = due;
    this.promoteTimer = setTimeout(() => void this.promote(), Math.max(0, due - Date.now()));
    this.promoteTimer.unref();
  }

  private async promote(): Promise<void> {
    this.promoteTimer = undefined;
    this.promoteDue = Number.POSITIVE_INFINITY;
    if (this.closed) return;
    if (this.promoting) {
      this.promoteAgain = true;
      return;
    }
    this.promoting = true;
    let next = Date.now() + MAX_PROMOTE_SLEEP_MS;
    try {
      for (;;) {
        const due = (await (
          this.client as unknown as {
            stewardTakeDue(key: string, now: number, limit: number): Promise<string[]>;
          }
        ).stewardTakeDue(this.laterKey, Date.now(), ADD_CHUNK)) as string[];
        if (due.length > 0) await this.enqueue(due);
        if (due.length < ADD_CHUNK) break;
      }
      const [, score] = await this.client.zrange(this.laterKey, '0', '0', 'WITHSCORES');
      if (score !== undefined) next = Math.min(next, Number(score));
    } catch {
      // Redis unavailable: try again on the next tick.
    } finally {
      this.promoting = false;
    }
    if (this.promoteAgain) {
      this.promoteAgain = false;
      next = Date.now();
    }
    this.schedulePromote(next);
  }
}
