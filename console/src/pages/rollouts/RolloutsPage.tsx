import { Link } from 'react-router';
import { ErrorBox, Loading, PageHeader } from '../../components/ui';
import { artifactText, waveText } from './format';
import { PhaseBadge } from './PhaseBadge';
import { seg, useRollouts } from './queries';

/** `/rollouts`: every rollout with its artifact, phase, current wave and counts, read live. */
export function RolloutsPage() {
  const rollouts = useRollouts();
  return (
    <>
      <PageHeader title="Rollouts" />
      <ErrorBox error={rollouts.error} />
      {rollouts.isPending && <Loading what="rollouts" />}
      {rollouts.data && rollouts.data.items.length > 0 && (
        <table className="rollouts-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Artifact</th>
              <th scope="col">Phase</th>
              <th scope="col">Wave</th>
              <th scope="col">Progress</th>
              <th scope="col">Targeted</th>
              <th scope="col">Succeeded</th>
              <th scope="col">Failed</th>
              <th scope="col">In progress</th>
              <th scope="col">Pending</th>
            </tr>
          </thead>
          <tbody>
            {rollouts.data.items.map((rollout) => {
              const totals = rollout.status?.totals ?? {};
              // Ineligible devices are targeted but never told: progress is over the eligible ones.
              const eligible = (totals.targeted ?? 0) - (totals.ineligible ?? 0);
              return (
                <tr key={rollout.metadata.name}>
                  <td>
                    <Link to={`/rollouts/${seg(rollout.metadata.name)}`}>{rollout.metadata.name}</Link>
                  </td>
                  <td>
                    <Link to={`/artifacts/${seg(rollout.spec.artifactRef.name)}`}>
                      {artifactText(rollout)}
                    </Link>
                  </td>
                  <td>
                    <PhaseBadge phase={rollout.status?.phase} />
                  </td>
                  <td>{waveText(rollout)}</td>
                  <td>
                    <progress
                      aria-label={`${rollout.metadata.name}: ${totals.succeeded ?? 0} of ${eligible} devices updated`}
                      max={Math.max(eligible, 1)}
                      value={eligible > 0 ? (totals.succeeded ?? 0) : 0}
                    />
                  </td>
                  <td>{totals.targeted ?? 0}</td>
                  <td>{totals.succeeded ?? 0}</td>
                  <td>{totals.failed ?? 0}</td>
                  <td>{totals.pending ?? 0}</td>
                  <td>{totals.queued ?? 0}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {rollouts.data?.items.length === 0 && <p className="muted">No rollouts.</p>}
    </>
  );
}
