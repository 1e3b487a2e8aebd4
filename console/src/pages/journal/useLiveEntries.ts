import { useCallback, useEffect, useState } from 'react';
import { type Filters, filtersKey, followQuery, withinTimeBounds } from './filters';
import type { JournalEntry } from './types';
import { type FollowState, useFollow } from './useFollow';

/** Live entries kept at most: the rest are a reload (or a page) away. */
const LIVE_LIMIT = 500;
/** Within this many pixels of the top the reader sees new rows appear; below, they wait. */
const TOP_SLACK = 48;

export interface LiveEntries {
  state: FollowState;
  /** New matching entries shown above the first page, newest first. */
  shown: JournalEntry[];
  /** New matching entries held back while the reader is scrolled down. */
  pending: number;
  /** Shows the held-back entries and goes to the top. */
  reveal(): void;
}

/**
 * The entries the follow stream brings that match the filters. A reader at the top of the page
 * sees them inserted; a reader scrolled down (reading older rows) keeps their place: the rows are
 * held back and counted ("N new entries") until asked for, so nothing moves under the eyes.
 * A new filter starts over.
 */
export function useLiveEntries(enabled: boolean, filters: Filters): LiveEntries {
  const [shown, setShown] = useState<JournalEntry[]>([]);
  const [held, setHeld] = useState<JournalEntry[]>([]);
  const key = filtersKey(filters);
  // biome-ignore lint/correctness/useExhaustiveDependencies: start over when the filters change
  useEffect(() => {
    setShown([]);
    setHeld([]);
  }, [key, enabled]);
  const onEntry = useCallback(
    (entry: JournalEntry) => {
      if (!withinTimeBounds(entry, filters)) return;
      if (window.scrollY <= TOP_SLACK) setShown((before) => [entry, ...before].slice(0, LIVE_LIMIT));
      else setHeld((before) => [entry, ...before].slice(0, LIVE_LIMIT));
    },
    [filters],
  );
  const state = useFollow(enabled, followQuery(filters), onEntry);
  return {
    state,
    shown,
    pending: held.length,
    reveal() {
      setShown((before) => [...held, ...before].slice(0, LIVE_LIMIT));
      setHeld([]);
      window.scrollTo({ top: 0 });
    },
  };
}
