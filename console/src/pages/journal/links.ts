/** Links within /journal that keep the view (filters, live) and change one thing. Pure. */
import { withFilters } from './filters';

/** `?…&seq=N`: the view with that entry's detail open. */
export function entryLink(search: URLSearchParams, seq: number): string {
  const next = new URLSearchParams(search);
  next.set('seq', String(seq));
  return `/journal?${next}`;
}

/** The view filtered to one changeset (its entries and the status changes that observed it). */
export function changesetLink(search: URLSearchParams, changeset: string): string {
  return `/journal?${withFilters(new URLSearchParams(search.get('live') ? 'live=1' : ''), { changeset })}`;
}
