import { conditionOf } from '../../format';
import type { TrustPolicy } from './types';

/** A policy's Ready condition as a badge, its message in the tooltip and for screen readers. */
export function ReadyBadge({ policy }: { policy: TrustPolicy }) {
  const ready = conditionOf(policy.status?.conditions, 'Ready');
  const state = ready?.status === 'True' ? 'ok' : ready?.status === 'False' ? 'bad' : 'warn';
  const text = ready?.status === 'True' ? 'Ready' : ready ? `Not ready: ${ready.reason}` : 'Pending';
  return (
    <span className={`badge ${state}`} title={ready?.message}>
      {text}
    </span>
  );
}

/** The lint's warnings (status.warnings; the Linted condition when the list is absent). */
export function LintWarnings({ policy }: { policy: TrustPolicy }) {
  const warnings = policy.status?.warnings;
  if (warnings && warnings.length > 0)
    return (
      <ul className="access-list">
        {warnings.map((warning) => (
          <li key={warning.code}>
            <span className="badge warn">{warning.code}</span> {warning.message}
          </li>
        ))}
      </ul>
    );
  const linted = conditionOf(policy.status?.conditions, 'Linted');
  if (!linted) return <span className="muted">not linted yet</span>;
  return linted.reason === 'Clean' ? <span className="ok">no warnings</span> : <span>{linted.message}</span>;
}
