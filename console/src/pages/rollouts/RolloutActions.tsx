import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/client';
import { useAuth } from '../../auth';
import { ConfirmDialog, ErrorBox } from '../../components/ui';
import { ACTIONS, type ActionSpec, actionsFor } from './actions';
import { seg } from './queries';
import type { Rollout } from './types';

/** What `POST /api/v1/rollouts/NAME/ACTION` answers (rollout-actions.ts). */
interface ActionAnswer {
  action?: string;
  wave?: number;
  message?: string;
}

/**
 * Approve, pause, resume and abort, each confirmed in a dialog that names the rollout; only those
 * the credential holds and the phase allows. After the answer the rollout is read again, so the
 * page shows the state the server moved it to.
 */
export function RolloutActions({ rollout }: { rollout: Rollout }) {
  const { can } = useAuth();
  const client = useQueryClient();
  const name = rollout.metadata.name;
  const [asking, setAsking] = useState<ActionSpec>();
  const [reason, setReason] = useState('');
  const run = useMutation({
    mutationFn: (spec: ActionSpec) =>
      api<ActionAnswer>('POST', `/rollouts/${seg(name)}/${spec.action}`, {
        body: reason.trim() ? { reason: reason.trim() } : {},
      }),
    onSettled: () => client.invalidateQueries({ queryKey: ['rollouts'] }),
  });
  const offered = ACTIONS.filter((spec) => actionsFor(rollout).includes(spec.action) && can(spec.permission));
  const done = run.isSuccess ? ACTIONS.find((spec) => spec.action === run.variables?.action) : undefined;
  return (
    <div className="rollout-actions">
      {offered.length > 0 && (
        <div className="toolbar">
          {offered.map((spec) => (
            <button
              key={spec.action}
              type="button"
              className={spec.danger ? 'danger' : spec.action === 'approve' ? 'primary' : undefined}
              disabled={run.isPending}
              onClick={() => {
                run.reset();
                setReason('');
                setAsking(spec);
              }}
            >
              {spec.label}
            </button>
          ))}
        </div>
      )}
      <div aria-live="polite">
        {done && (
          <p className="notice">
            Rollout {name} {done.done}
            {run.data?.message ? `: ${run.data.message}` : '.'}
          </p>
        )}
      </div>
      <ErrorBox error={run.error} />
      {asking && (
        <ConfirmDialog
          title={`${asking.label} rollout ${name}?`}
          confirmLabel={asking.label}
          danger={asking.danger}
          body={
            <>
              <p>{asking.effect}</p>
              <label>
                Reason (optional, journaled)
                <input value={reason} maxLength={512} onChange={(event) => setReason(event.target.value)} />
              </label>
            </>
          }
          onCancel={() => setAsking(undefined)}
          onConfirm={() => {
            run.mutate(asking);
            setAsking(undefined);
          }}
        />
      )}
    </div>
  );
}
