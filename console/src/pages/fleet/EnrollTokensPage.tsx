import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/client';
import { Can } from '../../auth';
import { ConfirmDialog, ErrorBox, Loading, PageHeader } from '../../components/ui';
import { CreateEnrollToken } from './CreateEnrollToken';
import { Labels, Time } from './format';
import { seg } from './queries';
import type { EnrollToken, Page } from './types';

/**
 * `/enroll-tokens` (enroll-tokens:write, session only): create, list and delete the tokens
 * devices enroll with. Listed tokens never carry their secret.
 */
export function EnrollTokensPage() {
  const client = useQueryClient();
  const [deleting, setDeleting] = useState<EnrollToken>();
  const tokens = useQuery({
    queryKey: ['enroll-tokens'],
    queryFn: () => api<Page<EnrollToken>>('GET', '/enroll-tokens'),
  });
  const remove = useMutation({
    mutationFn: (id: string) => api('DELETE', `/enroll-tokens/${seg(id)}`, { body: {} }),
    onSettled: () => client.invalidateQueries({ queryKey: ['enroll-tokens'] }),
  });
  return (
    <>
      <PageHeader title="Enrollment tokens" />
      <Can permission="enroll-tokens:write">
        <CreateEnrollToken />
      </Can>
      <ErrorBox error={tokens.error ?? remove.error} />
      {tokens.isPending && <Loading what="enrollment tokens" />}
      {tokens.data && (
        <table>
          <caption className="fleet-caption">Tokens</caption>
          <thead>
            <tr>
              <th scope="col">Id</th>
              <th scope="col">Description</th>
              <th scope="col">CA</th>
              <th scope="col">Approval</th>
              <th scope="col">Uses</th>
              <th scope="col">Labels</th>
              <th scope="col">Expires</th>
              <th scope="col">Created by</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.data.items.map((token) => (
              <tr key={token.id}>
                <td>
                  <code>{token.id}</code>
                </td>
                <td>{token.description ?? ''}</td>
                <td>{token.caRef}</td>
                <td>{token.approval}</td>
                <td>
                  {token.uses} / {token.maxUses}
                  {token.remaining === 0 && <span className="badge warn"> used up</span>}
                </td>
                <td>
                  <Labels labels={token.labels} />
                </td>
                <td>
                  {token.expired ? (
                    <span className="badge bad">expired</span>
                  ) : (
                    <Time value={token.expiresAt} />
                  )}
                </td>
                <td>{token.createdBy ?? '—'}</td>
                <td>
                  <button
                    type="button"
                    aria-label={`Delete enrollment token ${token.id}`}
                    onClick={() => setDeleting(token)}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {tokens.data?.items.length === 0 && <p className="muted">No enrollment tokens.</p>}
      {deleting && (
        <ConfirmDialog
          title={`Delete enrollment token ${deleting.id}?`}
          body={<p>Devices can no longer enroll with it; devices it enrolled keep their identities.</p>}
          confirmLabel={`Delete ${deleting.id}`}
          danger
          onCancel={() => setDeleting(undefined)}
          onConfirm={() => {
            remove.mutate(deleting.id);
            setDeleting(undefined);
          }}
        />
      )}
    </>
  );
}
