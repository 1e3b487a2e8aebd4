/** The reads several Fleet pages share, each under one query key so a write can refresh them. */
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { Page } from './types';

/** Path segment of a resource name (names are DNS labels, but a URL typed by hand may be anything). */
export const seg = encodeURIComponent;

/**
 * `GET /api/v1/{plural}/{name}`; read again every `refreshMs` while `refreshWhile` holds (status
 * is written by reconcilers after a write answers, so a page waiting for it must look again).
 */
export function useResource<T>(
  plural: string,
  name: string,
  { refreshWhile, refreshMs = 3000 }: { refreshWhile?: (resource: T) => boolean; refreshMs?: number } = {},
) {
  return useQuery({
    queryKey: [plural, 'one', name],
    queryFn: () => api<T>('GET', `/${plural}/${seg(name)}`),
    refetchInterval: (query) =>
      refreshWhile && query.state.data && refreshWhile(query.state.data) ? refreshMs : false,
  });
}

/** `GET /api/v1/{plural}` (the first page, up to `limit`): for kinds a tenant has few of. */
export function useResourceList<T>(plural: string, { limit = 500, enabled = true } = {}) {
  return useQuery({
    queryKey: [plural, 'list', limit],
    queryFn: () => api<Page<T>>('GET', `/${plural}`, { query: { limit } }),
    enabled,
  });
}
