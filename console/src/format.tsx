/** Presentation every area shares: times and conditions. Pure: no request is made here. */
import type { Condition } from '../../src/contract/resource';

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
];
const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** "3 minutes ago", "in 89 days". Pure but for the clock. */
export function fromNow(iso: string, now = Date.now()): string {
  const delta = new Date(iso).getTime() - now;
  for (const [unit, size] of UNITS)
    if (Math.abs(delta) >= size || unit === 'second') return relative.format(Math.round(delta / size), unit);
  return iso;
}

/**
 * A time as "2026-12-04 13:50 UTC (3 minutes ago)", the exact ISO value in a tooltip; without the
 * relative part when `relative` is false (dense tables).
 */
export function Time({
  value,
  empty = '—',
  relative: withRelative = true,
}: {
  value?: string | null;
  empty?: string;
  relative?: boolean;
}) {
  if (!value) return <span className="muted">{empty}</span>;
  const exact = new Date(value);
  if (Number.isNaN(exact.getTime())) return <span>{value}</span>;
  return (
    <time dateTime={value} title={value}>
      {value.slice(0, 16).replace('T', ' ')} UTC
      {withRelative && <span className="muted"> ({fromNow(value)})</span>}
    </time>
  );
}

/** The condition of that type, if the status has it. Pure. */
export function conditionOf(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((candidate) => candidate.type === type);
}
