/** The reads of the Rollouts area, each under one query key so an action can refresh it. */
import { useQuery } from '@tanstack/react-query';
import { api, apiFetch, isApiError } from '../../api/client';
import type { Artifact, ArtifactSignature, List, Rollout, SigningKey } from './types';

/** Path segment of a resource name (a URL typed by hand may hold anything). */
export const seg = encodeURIComponent;

/**
 * How often a rollout is read again while it can still change: devices report at any moment and
 * the controller moves waves in the background, and the API has no stream of a rollout's status.
 */
export const LIVE_MS = 2000;

const FINAL: ReadonlySet<string> = new Set(['Completed', 'Aborted']);

/** Pure. A rollout that ended changes no more; one without status yet may still start. */
export function isLive(rollout: Rollout | undefined): boolean {
  return !rollout || !FINAL.has(rollout.status?.phase ?? '');
}

export function useRollouts() {
  return useQuery({
    queryKey: ['rollouts', 'list'],
    queryFn: () => api<List<Rollout>>('GET', '/rollouts', { query: { limit: 500 } }),
    refetchInterval: (query) => (query.state.data?.items.some(isLive) ? LIVE_MS : false),
  });
}

export function useRollout(name: string) {
  return useQuery({
    queryKey: ['rollouts', 'one', name],
    queryFn: () => api<Rollout>('GET', `/rollouts/${seg(name)}`),
    refetchInterval: (query) => (query.state.error || !isLive(query.state.data) ? false : LIVE_MS),
  });
}

export function useArtifacts() {
  return useQuery({
    queryKey: ['artifacts', 'list'],
    queryFn: () => api<List<Artifact>>('GET', '/artifacts', { query: { limit: 500 } }),
  });
}

export function useArtifact(name: string) {
  return useQuery({
    queryKey: ['artifacts', 'one', name],
    queryFn: () => api<Artifact>('GET', `/artifacts/${seg(name)}`),
  });
}

export function useSignature(name: string) {
  return useQuery({
    queryKey: ['artifacts', 'signature', name],
    queryFn: () => api<ArtifactSignature>('GET', `/artifacts/${seg(name)}/signature`),
    retry: false,
  });
}

export function useSigningKeys() {
  return useQuery({
    queryKey: ['signing-keys'],
    queryFn: () => api<List<SigningKey>>('GET', '/signing-keys'),
  });
}

/**
 * Whether the artifact has an SBOM, and its content type: a HEAD of the download (the API has no
 * SBOM metadata read of its own), so the document itself is fetched only when saved.
 */
export function useSbom(name: string) {
  return useQuery({
    queryKey: ['artifacts', 'sbom', name],
    queryFn: async () => {
      try {
        const response = await apiFetch('HEAD', `/artifacts/${seg(name)}/sbom`);
        return { contentType: (response.headers.get('content-type') ?? '').split(';')[0] };
      } catch (error) {
        if (isApiError(error, 404)) return null;
        throw error;
      }
    },
    retry: false,
  });
}
