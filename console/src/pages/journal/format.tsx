/** How the journal pages show an entry's parts. Pure presentation. */
import type { JournalEntry } from './types';

/** `2026-12-04 13:50:07Z`, the exact value in a tooltip. */
export function EntryTime({ time }: { time: string }) {
  return (
    <time dateTime={time} title={time}>
      {time.slice(0, 19).replace('T', ' ')}Z
    </time>
  );
}

export function Actor({ actor }: { actor: JournalEntry['actor'] }) {
  return (
    <span title={`${actor.type} ${actor.id}`}>
      {actor.name} <span className="muted">({actor.type})</span>
    </span>
  );
}

const GOOD = new Set(['created', 'configured', 'unchanged', 'deleted', 'success', 'approved', 'ok']);
const BAD = new Set(['denied', 'failure', 'failed', 'error', 'invalid']);

export function ResultBadge({ result }: { result: string }) {
  const tone = GOOD.has(result) ? ' ok' : BAD.has(result) ? ' bad' : '';
  return <span className={`badge${tone}`}>{result}</span>;
}

/** The first characters of a hash, the whole in a tooltip. */
export function ShortHash({ hash }: { hash: string }) {
  return (
    <code title={hash} className="journal-hash">
      {hash.slice(0, 12)}…
    </code>
  );
}

/** A JSON value as one line (strings quoted), or "absent" when the pointer had no value. */
export function jsonText(value: unknown): string {
  return value === undefined ? '(absent)' : JSON.stringify(value, null, 1).replace(/\n\s*/g, ' ');
}
