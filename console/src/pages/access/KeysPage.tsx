import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/client';
import { Can } from '../../auth';
import { ConfirmDialog, ErrorBox, Loading, PageHeader } from '../../components/ui';
import { CreateKeyForm } from './CreateKeyForm';
import { KeysTable } from './KeysTable';
import { NewKeySecret } from './NewKeySecret';
import { SlotKeys } from './SlotKeys';
import type { ApiKey, ApiKeyWithSecret, ItemList } from './types';

/**
 * `/keys` (keys:write, session only): the keys, a new fine-grained key through the permission
 * picker, the admin and read-only slots (keys:admin), and revocation naming the key.
 */
export function KeysPage() {
  const client = useQueryClient();
  const [secret, setSecret] = useState<ApiKeyWithSecret>();
  const [revoking, setRevoking] = useState<ApiKey>();
  const keys = useQuery({ queryKey: ['keys'], queryFn: () => api<ItemList<ApiKey>>('GET', '/keys') });
  const revoke = useMutation({
    mutationFn: (id: string) => api('DELETE', `/keys/${encodeURIComponent(id)}`, { body: {} }),
    onSettled: () => client.invalidateQueries({ queryKey: ['keys'] }),
  });
  return (
    <>
      <PageHeader title="API keys">
        <a href="/api/docs">API reference</a>
      </PageHeader>
      <p className="muted">
        Send a key as <code>Authorization: Bearer stw_…</code>. A key carries at most operator-level
        permissions and can never mint keys or users.
      </p>
      {secret && <NewKeySecret created={secret} onDone={() => setSecret(undefined)} />}
      <ErrorBox error={keys.error ?? revoke.error} />
      {keys.isPending && <Loading what="API keys" />}
      {keys.data && <KeysTable keys={keys.data.items} onRevoke={(key) => setRevoking(key)} />}
      <Can permission="keys:write">
        <CreateKeyForm onCreated={setSecret} />
      </Can>
      <Can permission="keys:admin">
        {keys.data && <SlotKeys keys={keys.data.items} onSecret={setSecret} />}
      </Can>
      {revoking && (
        <ConfirmDialog
          title={`Revoke key ${revoking.name}?`}
          body={<p>Requests with it are refused from the very next one. This cannot be undone.</p>}
          confirmLabel={`Revoke ${revoking.name}`}
          danger
          onCancel={() => setRevoking(undefined)}
          onConfirm={() => {
            revoke.mutate(revoking.id);
            setRevoking(undefined);
          }}
        />
      )}
    </>
  );
}
