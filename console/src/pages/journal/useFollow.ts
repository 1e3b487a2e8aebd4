import { useEffect, useRef, useState } from 'react';
import type { JournalEntry } from './types';

export type FollowState = 'off' | 'connecting' | 'open' | 'retrying';

/**
 * Follows `GET /api/v1/journal/follow?<query>` while `enabled`: each `data:` line is one entry
 * the query's filters pass, sent in seq order from the moment the stream opens (a new query opens
 * a new stream). The browser's EventSource reconnects by itself and
 * sends the last `id:` (the seq) as Last-Event-ID, so the server resumes without a gap or a
 * duplicate. `onEntry` is read through a ref: a new callback does not reopen the stream.
 */
export function useFollow(
  enabled: boolean,
  query: string,
  onEntry: (entry: JournalEntry) => void,
): FollowState {
  const [state, setState] = useState<FollowState>('off');
  const callback = useRef(onEntry);
  callback.current = onEntry;
  useEffect(() => {
    if (!enabled) {
      setState('off');
      return;
    }
    setState('connecting');
    const source = new EventSource(`/api/v1/journal/follow${query ? `?${query}` : ''}`);
    source.onopen = () => setState('open');
    source.onerror = () => setState(source.readyState === EventSource.CLOSED ? 'off' : 'retrying');
    source.onmessage = (event: MessageEvent<string>) => {
      try {
        callback.current(JSON.parse(event.data) as JournalEntry);
      } catch {
        // A line that is not an entry is not ours to show; the stream goes on.
      }
    };
    return () => source.close();
  }, [enabled, query]);
  return state;
}
