import type { FollowState } from './useFollow';

const STATES: Record<FollowState, string> = {
  off: '',
  connecting: 'connecting…',
  open: 'following',
  retrying: 'reconnecting…',
};

/** A checkbox for live mode, with the stream's state said next to it (polite live region). */
export function LiveToggle({
  live,
  state,
  onChange,
}: {
  live: boolean;
  state: FollowState;
  onChange: (live: boolean) => void;
}) {
  return (
    <label className="inline journal-live">
      <input type="checkbox" checked={live} onChange={(event) => onChange(event.target.checked)} />
      Live
      <span className="muted" role="status" aria-label="Live follow">
        {live ? STATES[state] : ''}
      </span>
    </label>
  );
}
