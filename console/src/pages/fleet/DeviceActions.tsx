import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { api } from '../../api/client';
import { Can } from '../../auth';
import { ConfirmDialog, ErrorBox } from '../../components/ui';
import { seg } from './queries';
import type { Device } from './types';

/**
 * Approve (devices:approve, only while the device waits for it) and delete (devices:write), each
 * confirmed in a dialog naming the device. A refusal the page could not foresee (a 403, a 409
 * when someone else approved first) is shown as the server words it.
 */
export function DeviceActions({ device }: { device: Device }) {
  const name = device.metadata.name;
  const client = useQueryClient();
  const navigate = useNavigate();
  const [confirming, setConfirming] = useState<'approve' | 'delete'>();
  const approve = useMutation({
    mutationFn: () => api('POST', `/devices/${seg(name)}/approve`, { body: {} }),
    onSettled: () => client.invalidateQueries({ queryKey: ['devices'] }),
  });
  const remove = useMutation({
    mutationFn: () => api('DELETE', `/devices/${seg(name)}`),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ['devices'] });
      navigate('/devices');
    },
  });
  const deleting = Boolean(device.metadata.deletionTimestamp);
  return (
    <>
      {approve.isSuccess && device.status.approved === false && (
        <span className="muted" role="status">
          Approved; the device gets its certificate at its next enrollment call.
        </span>
      )}
      {device.status.approved === false && !deleting && !approve.isSuccess && (
        <Can permission="devices:approve">
          <button type="button" className="primary" onClick={() => setConfirming('approve')}>
            Approve
          </button>
        </Can>
      )}
      {!deleting && (
        <Can permission="devices:write">
          <button type="button" className="danger" onClick={() => setConfirming('delete')}>
            Delete
          </button>
        </Can>
      )}
      {confirming === 'approve' && (
        <ConfirmDialog
          title={`Approve device ${name}?`}
          body={
            <p>
              {name} ({device.spec.platform}, {device.spec.permanentIdentifier}) gets its identity certificate
              at its next enrollment call.
            </p>
          }
          confirmLabel={`Approve ${name}`}
          onCancel={() => setConfirming(undefined)}
          onConfirm={() => {
            setConfirming(undefined);
            approve.mutate();
          }}
        />
      )}
      {confirming === 'delete' && (
        <ConfirmDialog
          title={`Delete device ${name}?`}
          body={<p>Every certificate of {name} is revoked; the device can no longer reach the device API.</p>}
          confirmLabel={`Delete ${name}`}
          danger
          onCancel={() => setConfirming(undefined)}
          onConfirm={() => {
            setConfirming(undefined);
            remove.mutate();
          }}
        />
      )}
      <ErrorBox error={approve.error ?? remove.error} />
    </>
  );
}
