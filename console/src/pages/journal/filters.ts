/**
 * The journal's filters as they live in the URL (`/journal?operation=apply&kind=Device`): the
 * query parameters of `GET /api/v1/journal`, so a view is a link. Pure.
 */
import type { JournalEntry } from './types';

export const FILTER_NAMES = [
  'actor',
  'kind',
  'name',
  'operation',
  'result',
  'changeset',
  'since',
  'until',
] as const;
export type FilterName = (typeof FILTER_NAMES)[number];
export type Filters = Partial<Record<FilterName, string>>;

/** The filters a URL carries (empty values left out). */
export function readFilters(search: URLSearchParams): Filters {
  const filters: Filters = {};
  for (const name of FILTER_NAMES) {
    const value = search.get(name)?.trim();
    if (value) filters[name] = value;
  }
  return filters;
}

/** A stable text of the filters, for query keys and for resetting the paging when they change. */
export function filtersKey(filters: Filters): string {
  return FILTER_NAMES.map((name) => `${name}=${filters[name] ?? ''}`).join('&');
}

/** The URL with new filters: other parameters (live) kept, the selected entry and paging dropped. */
export function withFilters(search: URLSearchParams, filters: Filters): URLSearchParams {
  const next = new URLSearchParams(search);
  for (const name of FILTER_NAMES) {
    const value = filters[name]?.trim();
    if (value) next.set(name, value);
    else next.delete(name);
  }
  next.delete('seq');
  return next;
}

/** `devices`, `Device`, `device` name one kind: the server resolves aliases, live mode approximates. */
function kindMatches(filter: string, kind: string | null): boolean {
  if (kind === null) return false;
  const normal = (text: string) => text.toLowerCase().replace(/(es|s)$/, '');
  return filter.toLowerCase() === kind.toLowerCase() || normal(filter) === normal(kind);
}

/**
 * Whether an entry the follow stream sent belongs in the filtered view: the same equality tests
 * the server applies (actor by id or name), and the time bounds when they are absolute times.
 * A duration bound (`1h`) is relative to the page's load: every new entry is within `since`,
 * and `until` given as a duration ends before now, so nothing new matches it.
 */
export function entryMatches(entry: JournalEntry, filters: Filters): boolean {
  if (filters.actor && filters.actor !== entry.actor.id && filters.actor !== entry.actor.name) return false;
  if (filters.kind && !kindMatches(filters.kind, entry.kind)) return false;
  if (filters.name && filters.name !== entry.name) return false;
  if (filters.operation && filters.operation !== entry.operation) return false;
  if (filters.result && filters.result !== entry.result) return false;
  if (filters.changeset && filters.changeset !== entry.changeset) return false;
  if (filters.since && !Number.isNaN(Date.parse(filters.since)) && entry.time < toIso(filters.since))
    return false;
  if (filters.until) {
    if (Number.isNaN(Date.parse(filters.until))) return false;
    if (entry.time >= toIso(filters.until)) return false;
  }
  return true;
}

function toIso(time: string): string {
  return new Date(Date.parse(time)).toISOString();
}
