const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const YEAR = 365 * DAY;

/**
 * A duration as kubectl's AGE column shows it: `5s`, `3m`, `2h`, `4d`, `2y` (the largest unit,
 * truncated). Slightly negative durations (clock skew) are `0s`. Pure.
 */
export function formatDuration(ms: number): string {
  if (ms < -SECOND) return '<invalid>';
  if (ms < 0) return '0s';
  if (ms < MINUTE) return `${Math.floor(ms / SECOND)}s`;
  if (ms < HOUR) return `${Math.floor(ms / MINUTE)}m`;
  if (ms < DAY) return `${Math.floor(ms / HOUR)}h`;
  if (ms < YEAR) return `${Math.floor(ms / DAY)}d`;
  return `${Math.floor(ms / YEAR)}y`;
}

/** The age of an RFC 3339 timestamp at `now`, or undefined when there is none. Pure. */
export function age(timestamp: string | undefined, now: Date): string | undefined {
  if (!timestamp) return undefined;
  const time = Date.parse(timestamp);
  return Number.isNaN(time) ? undefined : formatDuration(now.getTime() - time);
}
