import { Link, useParams } from 'react-router';
import { ErrorBox, Loading, PageHeader } from '../../components/ui';
import { FailurePolicy } from './FailurePolicy';
import { isLive, useRollout } from './queries';
import { RolloutActions } from './RolloutActions';
import { RolloutDevices } from './RolloutDevices';
import { RolloutSummary } from './RolloutSummary';
import { WaveProgress } from './WaveProgress';

/**
 * `/rollouts/:name`: the phase, the waves with their progress and gates, the failure policy, and
 * the actions; read again every 2 s while the rollout can still change.
 */
export function RolloutDetailPage() {
  const name = useParams().name ?? '';
  const rollout = useRollout(name);
  const data = rollout.data;
  const waves = data?.spec.strategy.waves ?? [];
  const statusWaves =
    data?.status?.waves ?? waves.map((wave, index) => ({ wave: index + 1, percent: wave.percent }));
  const current = data?.status?.currentWave ?? 0;
  const waiting = data?.status?.phase === 'WaitingApproval';
  return (
    <>
      <PageHeader title={`Rollout ${name}`} />
      <p>
        <Link to="/rollouts">All rollouts</Link>
      </p>
      <ErrorBox error={rollout.error} />
      {rollout.isPending && <Loading what="the rollout" />}
      {data && (
        <>
          <RolloutActions rollout={data} />
          <RolloutSummary rollout={data} />
          <section aria-labelledby="rollout-waves">
            <h2 id="rollout-waves">Waves</h2>
            <ol className="waves">
              {statusWaves.map((wave, index) => {
                // A rollout advances onto a gated wave, then waits in it (rollout-progress.ts 'advance').
                const gated = waiting && index + 1 === Math.max(current, 1);
                return (
                  <WaveProgress
                    key={wave.wave ?? index}
                    wave={wave}
                    spec={waves[index]}
                    total={waves.length}
                    current={index + 1 === current}
                    waitingApproval={gated}
                  />
                );
              })}
            </ol>
          </section>
          <FailurePolicy rollout={data} />
          <RolloutDevices name={name} live={isLive(data)} />
        </>
      )}
    </>
  );
}
