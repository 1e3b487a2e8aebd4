import type { Rollout } from './types';

/** The strategy's failure thresholds with the defaults the server applies (docs/rollouts.md). */
export function FailurePolicy({ rollout }: { rollout: Rollout }) {
  const strategy = rollout.spec.strategy;
  const totals = rollout.status?.totals ?? {};
  const finishedDevices = (totals.succeeded ?? 0) + (totals.failed ?? 0);
  const failedPercent = finishedDevices > 0 ? ((totals.failed ?? 0) / finishedDevices) * 100 : 0;
  return (
    <section className="panel" aria-labelledby="failure-policy">
      <h2 id="failure-policy">Failure policy</h2>
      <dl className="fields">
        <dt>Stops past</dt>
        <dd>
          {strategy.maxFailurePercent ?? 10}% failed, once {strategy.minFinishedDevices ?? 1}{' '}
          {(strategy.minFinishedDevices ?? 1) === 1 ? 'device has' : 'devices have'} finished
        </dd>
        <dt>Failed so far</dt>
        <dd>
          {failedPercent.toFixed(1)}% ({totals.failed ?? 0} of {finishedDevices} finished)
        </dd>
        <dt>On failure</dt>
        <dd>{(strategy.onFailure ?? 'abort') === 'pause' ? 'pause for a person' : 'abort'}</dd>
        <dt>Retries per device</dt>
        <dd>{strategy.retries ?? 0}</dd>
        {strategy.maxDevicesPerMinute !== undefined && (
          <>
            <dt>Rate</dt>
            <dd>at most {strategy.maxDevicesPerMinute} devices a minute</dd>
          </>
        )}
      </dl>
    </section>
  );
}
