/** The journal's reads, shared by the pages (one query key per view, so TanStack caches each). */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { Filters } from './filters';
import type { JournalEntry, JournalEntryList } from './types';

export const PAGE_SIZE = 50;

export function useJournalPage(filters: Filters, token: string | undefined) {
  return useQuery({
    queryKey: ['journal', 'page', filters, token],
    queryFn: ({ signal }) =>
      api<JournalEntryList>('GET', '/journal', {
        query: { ...filters, limit: PAGE_SIZE, continue: token },
        signal,
      }),
    placeholderData: keepPreviousData,
  });
}

/**
 * The API has no read of one entry by seq, but its continue token is "entries below seq N"
 * (`{v:1,before:N}`, base64url): a page of one entry below seq+1 is that entry. This leans on
 * the token's format, which the API calls opaque — an endpoint `GET /journal/{seq}` would be the
 * proper way (see the report of issue #18).
 */
export function continueBefore(before: number): string {
  return btoa(JSON.stringify({ v: 1, before }))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

export function useJournalEntry(seq: number | undefined, known: JournalEntry | undefined) {
  return useQuery({
    queryKey: ['journal', 'entry', seq],
    enabled: seq !== undefined && known === undefined,
    queryFn: async ({ signal }) => {
      const page = await api<JournalEntryList>('GET', '/journal', {
        query: { limit: 1, continue: continueBefore((seq as number) + 1) },
        signal,
      });
      const entry = page.items[0];
      return entry?.seq === seq ? entry : null;
    },
    initialData: known,
  });
}
