/** Retry delays for transient reconcile failures. */
export interface BackoffPolicy {
  /** Delay after the first failure, ms. */
  baseMs: number;
  /** No delay exceeds this, ms (before jitter). */
  maxMs: number;
  /** Relative jitter: 0.1 spreads a delay uniformly over ±10%. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 5 * 60_000, jitter: 0.1 };

/**
 * The delay before retry number `failures` (1 = after the first failure): base·2^(failures−1),
 * capped, then jittered so that keys failing together (a database outage) do not retry in
 * lockstep. Pure given `random`.
 */
export function backoffDelay(
  failures: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  const delay = Math.min(policy.baseMs * 2 ** exponent, policy.maxMs);
  return Math.max(0, Math.round(delay * (1 + policy.jitter * (2 * random() - 1))));
}

/** `seconds` spread by ±`jitter` (resync periods of several processes drift apart). Pure given `random`. */
export function jittered(ms: number, jitter: number, random: () => number = Math.random): number {
  return Math.round(ms * (1 + jitter * (2 * random() - 1)));
}
