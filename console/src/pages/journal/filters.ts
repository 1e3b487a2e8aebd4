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

/** The filters the follow stream applies on the server (the equality ones), as its query. */
export function followQuery(filters: Filters): string {
  const query = new URLSearchParams();
  for (const name of FILTER_NAMES)
    if (name !== 'since' && name !== 'until' && filters[name]) query.set(name, filters[name] as string);
  return query.toString();
}

/**
 * Whether a streamed entry is within the view's time bounds: the server filters the stream by
 * everything else (kind by any name, actor by id or name) and refuses time bounds, which are the
 * view's. A duration bound (`1h`) is relative to the page's load: every new entry is within
 * `since`, and `until` given as a duration ends before now, so nothing new is within it.
 */
export function withinTimeBounds(entry: JournalEntry, filters: Filters): boolean {
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
