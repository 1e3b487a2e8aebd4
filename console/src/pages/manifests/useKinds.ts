import { useQuery } from '@tanstack/react-query';
import type { ApiResourceList } from '../../../../src/contract/discovery';
import { api } from '../../api/client';

/** `GET /api/v1`: the kinds this server serves (discovery), cached for the session. */
export function useKinds() {
  return useQuery({
    queryKey: ['discovery'],
    queryFn: () => api<ApiResourceList>('GET', ''),
    staleTime: 10 * 60_000,
  });
}
