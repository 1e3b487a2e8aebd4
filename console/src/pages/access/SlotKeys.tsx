import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/client';
import { ConfirmDialog, ErrorBox } from '../../components/ui';
import { Time } from '../../format';
import type { ApiKey, ApiKeyWithSecret, KeySlot, KeyType } from './types';

const SLOTS: Array<{ type: Exclude<KeyType, 'fine-grained'>; slot: KeySlot }> = [
  { type: 'admin', slot: 'primary' },
  { type: 'admin', slot: 'secondary' },
  { type: 'readonly', slot: 'primary' },
  { type: 'readonly', slot: 'secondary' },
];

type Target = { type: Exclude<KeyType, 'fine-grained'>; slot: KeySlot; key?: ApiKey };

/**
 * The admin and read-only keys (keys:admin), two slots each so one can be rotated while clients
 * still use the other: an empty slot gets a key, a filled one a new secret for the same id.
 */
export function SlotKeys({ keys, onSecret }: { keys: ApiKey[]; onSecret: (key: ApiKeyWithSecret) => void }) {
  const client = useQueryClient();
  const [confirming, setConfirming] = useState<Target>();
  const act = useMutation({
    mutationFn: ({ type, slot, key }: Target) =>
      key
        ? api<ApiKeyWithSecret>('POST', `/keys/${encodeURIComponent(key.id)}/rotate`, { body: {} })
        : api<ApiKeyWithSecret>('POST', '/keys', { body: { type, slot } }),
    onSuccess: onSecret,
    onSettled: () => client.invalidateQueries({ queryKey: ['keys'] }),
  });
  return (
    <section className="panel" aria-labelledby="slot-keys-title">
      <h2 id="slot-keys-title">Admin and read-only keys</h2>
      <p className="muted">
        Two slots each: rotate the one your clients no longer use, move them to it, then rotate the other.
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Created</th>
            <th scope="col">Last rotated</th>
            <th scope="col">Last used</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {SLOTS.map(({ type, slot }) => {
            const key = keys.find((candidate) => candidate.type === type && candidate.slot === slot);
            const label = `${type}-${slot}`;
            return (
              <tr key={label}>
                <td>
                  <code>{label}</code>
                </td>
                <td>
                  <Time relative={false} value={key?.createdAt} empty="empty slot" />
                </td>
                <td>
                  <Time relative={false} value={key?.lastRotatedAt} />
                </td>
                <td>
                  <Time relative={false} value={key?.lastUsedAt} empty="never" />
                </td>
                <td>
                  <button type="button" onClick={() => setConfirming({ type, slot, key })}>
                    {key ? `Rotate ${label}` : `Create ${label}`}
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <ErrorBox error={act.error} />
      {confirming && (
        <ConfirmDialog
          title={
            confirming.key
              ? `Rotate ${confirming.type}-${confirming.slot}?`
              : `Create ${confirming.type}-${confirming.slot}?`
          }
          body={
            confirming.key ? (
              <p>Its current secret stops working on the next request; the new one is shown once.</p>
            ) : (
              <p>The key is shown once.</p>
            )
          }
          confirmLabel={confirming.key ? 'Rotate' : 'Create'}
          danger={Boolean(confirming.key)}
          onCancel={() => setConfirming(undefined)}
          onConfirm={() => {
            act.mutate(confirming);
            setConfirming(undefined);
          }}
        />
      )}
    </section>
  );
}
