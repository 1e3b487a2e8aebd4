import { renderTable } from '../output/table.js';
import { objectRef } from '../resource.js';

/** A journal entry as the API returns it (api-contract.md, Journal). */
export interface JournalEntry {
  seq: number;
  time: string;
  tenant?: string;
  actor: { type: string; id: string; name: string };
  requestId?: string;
  source?: string | null;
  operation: string;
  kind?: string | null;
  name?: string | null;
  generation?: number | null;
  result: string;
  reason?: string | null;
  changeset?: string | null;
  changes?: Array<{ pointer: string; old?: unknown; new?: unknown }>;
  prevHash?: string;
  hash?: string;
}

export const JOURNAL_HEADERS = ['SEQ', 'TIME', 'ACTOR', 'OPERATION', 'KIND/NAME', 'RESULT'];

/** `user:alice`, `controller:device`, `apikey:ci-deploy`. Pure. */
export function actorName(entry: JournalEntry): string {
  return `${entry.actor.type}:${entry.actor.name || entry.actor.id}`;
}

/** RFC 3339 to the second, in UTC: sortable and unambiguous in a table. Pure. */
function shortTime(time: string): string {
  const parsed = Date.parse(time);
  return Number.isNaN(parsed) ? time : new Date(parsed).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** One table row of an entry. Pure. */
export function journalRow(entry: JournalEntry): string[] {
  const target = entry.kind
    ? entry.name
      ? objectRef(entry.kind, entry.name)
      : entry.kind.toLowerCase()
    : '-';
  return [String(entry.seq), shortTime(entry.time), actorName(entry), entry.operation, target, entry.result];
}

/** The journal table. Pure. */
export function journalTable(entries: readonly JournalEntry[]): string {
  return renderTable(JOURNAL_HEADERS, entries.map(journalRow));
}

/**
 * Splits a text/event-stream into events. Feed it chunks; it answers the complete events so far
 * and keeps the partial rest. Only `id` and `data` matter here; comments (keep-alives) are skipped.
 */
export class EventStreamParser {
  private buffer = '';
  /**
   * The last `id:` seen, with or without data (as an EventSource's lastEventId): a filtered
   * journal follow sends a bare `id:` past entries it left out, where a reconnect resumes.
   */
  lastId: string | undefined;

  push(chunk: string): Array<{ id?: string; data: string }> {
    this.buffer += chunk.replace(/\r\n?/g, '\n');
    const events: Array<{ id?: string; data: string }> = [];
    let end = this.buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let id: string | undefined;
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'id') {
          id = value;
          this.lastId = value;
        } else if (field === 'data') data.push(value);
      }
      if (data.length > 0) events.push({ id, data: data.join('\n') });
      end = this.buffer.indexOf('\n\n');
    }
    return events;
  }
}
