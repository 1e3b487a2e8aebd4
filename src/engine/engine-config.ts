import { ConfigError } from '../errors.js';
import { type BackoffPolicy, DEFAULT_BACKOFF } from './backoff.js';

/** The engine's settings (environment variables documented in docs/engine.md). */
export interface EngineConfig {
  /**
   * STEWARD_ENGINE=off: serve the API without reconciling (suites that assert exact journal
   * contents or statuses they set themselves; a read-only replica). Default on.
   */
  enabled: boolean;
  /**
   * Keys handled at once per process (STEWARD_WORKERS, default 32). Reconciles mostly wait on the
   * database and Redis, and concurrent ones share batched reads and status writes, so more slots
   * than cores pay off; CPU-heavy controllers (signing) still run one at a time on the event loop.
   */
  workers: number;
  /** Every resource is re-enqueued this often, ±10% (STEWARD_RESYNC_SECONDS, default 600; 0 disables). */
  resyncSeconds: number;
  /** Redis key prefix of this installation's queue (STEWARD_QUEUE_PREFIX, default `steward`). */
  queuePrefix: string;
  /** BullMQ lock per key, renewed while reconciling (STEWARD_QUEUE_LOCK_SECONDS, default 30). */
  lockSeconds: number;
  backoff: BackoffPolicy;
  /** Largest batch of status writes flushed in one transaction. */
  statusBatch: number;
}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  return value;
}

/** Reads and checks the engine's variables; throws ConfigError naming the variable at fault. */
export function loadEngineConfig(env: Env = process.env): EngineConfig {
  const queuePrefix = env.STEWARD_QUEUE_PREFIX || 'steward';
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(queuePrefix))
    throw new ConfigError(
      `STEWARD_QUEUE_PREFIX must be 1-64 letters, digits, '_', '.' or '-', got "${queuePrefix}"`,
    );
  const engine = env.STEWARD_ENGINE || 'on';
  if (engine !== 'on' && engine !== 'off')
    throw new ConfigError(`STEWARD_ENGINE must be on or off, got "${engine}"`);
  return {
    enabled: engine === 'on',
    workers: integer(env, 'STEWARD_WORKERS', 32, 1, 256),
    resyncSeconds: integer(env, 'STEWARD_RESYNC_SECONDS', 600, 0, 7 * 24 * 3600),
    queuePrefix,
    lockSeconds: integer(env, 'STEWARD_QUEUE_LOCK_SECONDS', 30, 1, 3600),
    backoff: DEFAULT_BACKOFF,
    statusBatch: 1000,
  };
}
