/** The journal's reads, shared by the pages (one query key per view, so TanStack caches each). */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, isApiError } from '../../api/client';
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

/** One entry by seq (`GET /api/v1/journal/{seq}`): null when it was pruned or never written. */
export function useJournalEntry(seq: number | undefined, known: JournalEntry | undefined) {
  return useQuery({
    queryKey: ['journal', 'entry', seq],
    enabled: seq !== undefined && known === undefined,
    queryFn: async ({ signal }) => {
      try {
        return await api<JournalEntry>('GET', `/journal/${seq}`, { signal });
      } catch (error) {
        if (isApiError(error, 404)) return null;
        throw error;
      }
    },
    initialData: known,
  });
}
