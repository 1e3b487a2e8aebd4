import { Worker } from 'node:worker_threads';
import type { SharedFields } from './chain.js';
import type { OwnValue } from './journal-insert.js';
import type { ChainRecord, LockedHead } from './link.js';

/** A packed SQLite INSERT (see packEntries), built by the worker. */
export interface PackedInsert {
  sql: string;
  bindings: Array<OwnValue | Uint8Array>;
}

/** One chunk of an append for the worker to chain (and pack). */
export interface ChainRequest {
  id: number;
  head: LockedHead;
  shared: SharedFields;
  records: ChainRecord[];
  changes: string[];
  pack: boolean;
}

export type ChainResponse =
  | { id: number; hashes: string; packed: PackedInsert | undefined }
  | { id: number; error: string };

/** What the worker posts once its modules are loaded. */
export const WORKER_READY = 'ready';

/** How long the worker may take to load; past that, the event loop chains for good. */
const START_TIMEOUT_MS = 10_000;

/**
 * The chain worker: a thread that hashes and packs the chunks of big appends, so that the event
 * loop, which binds the apply's own rows, only encodes the changes (the part that needs the
 * change objects, which would cost more to send than to encode). One per process, started with
 * the server (or by the first big append) and shared by every writer; idle, it keeps nothing
 * alive. Until it has loaded, and for good if it fails, the event loop chains: same entries.
 */
export class ChainWorker {
  private worker?: Worker;
  private ready = false;
  /** Chunks the worker has chained so far (tests check that big appends go through it). */
  chained = 0;
  private failed = false;
  private nextId = 1;
  private readonly pending = new Map<number, (response: ChainResponse | undefined) => void>();
  /** Callers of whenReady waiting for the worker to load (or fail). */
  private readonly waiting: Array<(ready: boolean) => void> = [];

  /**
   * Whether chunks can be sent: the first call starts the worker, and until it has loaded its
   * modules (a few hundred ms) chunks would only queue behind that, so it answers false.
   */
  available(): boolean {
    if (this.failed) return false;
    this.start();
    return this.ready;
  }

  /** Resolves once the worker can take chunks (true), or has failed (false). Starts it. */
  whenReady(): Promise<boolean> {
    if (this.available() || this.failed) return Promise.resolve(this.ready);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private settleWaiting(): void {
    for (const resolve of this.waiting.splice(0)) resolve(this.ready);
  }

  /** Starts the worker loading in the background, once (the server does it at start). */
  start(): void {
    if (this.worker || this.failed) return;
    // Compiled (dist/), the body is JavaScript and is the worker's entry itself; from source the
    // .mjs shim finds a TypeScript loader for it first.
    const entry = import.meta.url.endsWith('.js') ? './chain-worker-body.js' : './chain-worker.mjs';
    const worker = new Worker(new URL(entry, import.meta.url));
    this.worker = worker;
    worker.unref();
    const timeout = setTimeout(() => this.fail(), START_TIMEOUT_MS);
    timeout.unref();
    worker.on('message', (response: ChainResponse | typeof WORKER_READY) => {
      if (response === WORKER_READY) {
        clearTimeout(timeout);
        this.ready = true;
        this.settleWaiting();
        return;
      }
      const settle = this.pending.get(response.id);
      this.pending.delete(response.id);
      if (this.pending.size === 0) worker.unref();
      if ('hashes' in response) this.chained += 1;
      settle?.(response);
    });
    worker.on('error', () => this.fail());
    worker.on('exit', () => this.fail());
  }

  /** Stops the worker for good; the event loop chains from then on. */
  close(): Promise<void> {
    const worker = this.worker;
    this.fail();
    return worker ? worker.terminate().then(() => undefined) : Promise.resolve();
  }

  private fail(): void {
    this.failed = true;
    this.ready = false;
    this.settleWaiting();
    const worker = this.worker;
    this.worker = undefined;
    for (const settle of this.pending.values()) settle(undefined);
    this.pending.clear();
    void worker?.terminate();
  }

  /** The worker's answer for one chunk, or undefined if it cannot give one. */
  chain(request: Omit<ChainRequest, 'id'>): Promise<ChainResponse | undefined> {
    const worker = this.worker;
    if (!worker || !this.ready) return Promise.resolve(undefined);
    const id = this.nextId++;
    const answered = new Promise<ChainResponse | undefined>((resolve) => this.pending.set(id, resolve));
    try {
      worker.postMessage({ id, ...request } satisfies ChainRequest);
    } catch {
      this.pending.delete(id);
      return Promise.resolve(undefined);
    }
    // While a chunk is out, the worker keeps the process alive: a transaction waits on it.
    worker.ref();
    return answered;
  }
}

export const chainWorker = new ChainWorker();
