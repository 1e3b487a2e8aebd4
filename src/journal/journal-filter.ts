import type { JournalEntry } from './chain.js';

/**
 * The equality filters a follow stream applies to each new entry: the same ones `GET
 * /api/v1/journal` answers in SQL (journal-queries.ts), so a live view and a query of one filter
 * show the same entries. Time bounds are not among them: a stream carries entries as they are
 * written, so `since` is always true of them and `until` in the past never is.
 */
export interface EntryFilter {
  /** A kind's canonical name (`Device`), or a value entries carry as given (`auth`). */
  kind?: string;
  name?: string;
  /** Actor id or name. */
  actor?: string;
  operation?: string;
  result?: string;
  changeset?: string;
}

export const ENTRY_FILTER_FIELDS = ['kind', 'name', 'actor', 'operation', 'result', 'changeset'] as const;

/** Whether the filter has any condition: an empty one lets every entry through unexamined. Pure. */
export function isEmptyFilter(filter: EntryFilter): boolean {
  return ENTRY_FILTER_FIELDS.every((field) => !filter[field]);
}

/** Whether `entry` passes every condition of `filter` (an unset or empty condition passes). Pure. */
export function matchesEntry(entry: JournalEntry, filter: EntryFilter): boolean {
  if (filter.actor && filter.actor !== entry.actor.id && filter.actor !== entry.actor.name) return false;
  if (filter.kind && filter.kind !== entry.kind) return false;
  if (filter.name && filter.name !== entry.name) return false;
  if (filter.operation && filter.operation !== entry.operation) return false;
  if (filter.result && filter.result !== entry.result) return false;
  return !filter.changeset || filter.changeset === entry.changeset;
}
