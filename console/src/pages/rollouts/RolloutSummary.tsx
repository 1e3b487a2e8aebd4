import { Link } from 'react-router';
import { artifactText, waveText } from './format';
import { PhaseBadge } from './PhaseBadge';
import { seg } from './queries';
import type { Rollout } from './types';

/** Phase, message, wave, target and who paused or aborted it; the totals over every wave. */
export function RolloutSummary({ rollout }: { rollout: Rollout }) {
  const status = rollout.status ?? {};
  const totals = status.totals ?? {};
  const target = rollout.spec.target.groupRef
    ? `group ${rollout.spec.target.groupRef.name}`
    : `selector ${JSON.stringify(rollout.spec.target.selector ?? {})}`;
  const reasons = Object.entries(status.ineligibleReasons ?? {}).filter(([, count]) => count > 0);
  return (
    <section className="panel" aria-labelledby="rollout-summary">
      <h2 id="rollout-summary">Status</h2>
      <dl className="fields">
        <dt>Phase</dt>
        <dd data-testid="rollout-phase">
          <PhaseBadge phase={status.phase} />
        </dd>
        {status.message && (
          <>
            <dt>Message</dt>
            <dd>{status.message}</dd>
          </>
        )}
        <dt>Artifact</dt>
        <dd>
          <Link to={`/artifacts/${seg(rollout.spec.artifactRef.name)}`}>{artifactText(rollout)}</Link>
        </dd>
        <dt>Wave</dt>
        <dd>{waveText(rollout)}</dd>
        <dt>Target</dt>
        <dd>
          {target}
          {rollout.spec.requireAssurance ? `, assurance ${rollout.spec.requireAssurance}` : ''}
        </dd>
        {status.phase === 'Soaking' && status.soakUntil && (
          <>
            <dt>Soaking until</dt>
            <dd>{status.soakUntil}</dd>
          </>
        )}
        {status.phase === 'Paused' && status.pausedBy && (
          <>
            <dt>Paused by</dt>
            <dd>{status.pausedBy}</dd>
          </>
        )}
        {status.abortedBy && (
          <>
            <dt>Aborted by</dt>
            <dd>{status.abortedBy}</dd>
          </>
        )}
        {status.startedAt && (
          <>
            <dt>Started</dt>
            <dd>{status.startedAt}</dd>
          </>
        )}
        {status.finishedAt && (
          <>
            <dt>Finished</dt>
            <dd>{status.finishedAt}</dd>
          </>
        )}
        <dt>Devices</dt>
        <dd>
          {totals.targeted ?? 0} targeted, {totals.queued ?? 0} pending, {totals.pending ?? 0} in progress,{' '}
          {totals.succeeded ?? 0} succeeded, {totals.failed ?? 0} failed, {totals.cancelled ?? 0} cancelled
        </dd>
        <dt>Ineligible</dt>
        <dd>
          {totals.ineligible ?? 0}
          {reasons.length > 0
            ? ` (${reasons.map(([reason, count]) => `${reason} ${count}`).join(', ')})`
            : ''}
        </dd>
      </dl>
    </section>
  );
}
