/**
 * Paging through API lists with `continue` tokens: the API only goes forward, so the tokens of
 * the pages already seen are kept to go back. `reset` is called when the query changes (a new
 * selector invalidates every token).
 */
import { useState } from 'react';

export interface Paging {
  /** The `continue` of the page shown (undefined: the first). */
  token: string | undefined;
  page: number;
  next(token: string): void;
  previous(): void;
  reset(): void;
}

export function usePaging(): Paging {
  const [tokens, setTokens] = useState<Array<string | undefined>>([undefined]);
  return {
    token: tokens[tokens.length - 1],
    page: tokens.length,
    next: (token) => setTokens((seen) => [...seen, token]),
    previous: () => setTokens((seen) => (seen.length > 1 ? seen.slice(0, -1) : seen)),
    reset: () => setTokens([undefined]),
  };
}

/** Previous / next buttons for a list; `label` names the list in the buttons' accessible names. */
export function Pager({
  paging,
  nextToken,
  label,
}: {
  paging: Paging;
  nextToken: string | undefined;
  label: string;
}) {
  if (paging.page === 1 && !nextToken) return null;
  return (
    <div className="pager">
      <button
        type="button"
        aria-label={`Previous page of ${label}`}
        disabled={paging.page === 1}
        onClick={paging.previous}
      >
        Previous page
      </button>
      <span className="muted">Page {paging.page}</span>
      <button
        type="button"
        aria-label={`Next page of ${label}`}
        disabled={!nextToken}
        onClick={() => nextToken && paging.next(nextToken)}
      >
        Next page
      </button>
    </div>
  );
}
