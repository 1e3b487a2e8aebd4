import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/client';
import { useAuth } from '../../auth';
import { ErrorBox, Loading } from '../../components/ui';
import { PermissionPicker } from './PermissionPicker';
import {
  emptyChoice,
  type PermissionCatalogueView,
  type PermissionChoice,
  permissionsOf,
  pickerCatalogue,
  readAll,
  readWriteAll,
} from './permission-choices';
import type { ApiKeyWithSecret } from './types';

const EXPIRIES = [7, 30, 90, 365];

/** Creates a fine-grained key: name, expiry and permissions; hands the plaintext up once. */
export function CreateKeyForm({ onCreated }: { onCreated: (key: ApiKeyWithSecret) => void }) {
  const { me } = useAuth();
  const client = useQueryClient();
  const catalogueQuery = useQuery({
    queryKey: ['auth', 'permissions'],
    queryFn: ({ signal }) => api<PermissionCatalogueView>('GET', '/auth/permissions', { signal }),
    staleTime: Number.POSITIVE_INFINITY,
  });
  const [name, setName] = useState('');
  const [days, setDays] = useState(30);
  const [choice, setChoice] = useState<PermissionChoice>();
  const create = useMutation({
    mutationFn: (permissions: string[]) =>
      api<ApiKeyWithSecret>('POST', '/keys', {
        body: { type: 'fine-grained', name, permissions, expiresInDays: days },
      }),
    onSuccess: (created) => {
      onCreated(created);
      setName('');
      setChoice(undefined);
    },
    onSettled: () => client.invalidateQueries({ queryKey: ['keys'] }),
  });
  if (catalogueQuery.isPending) return <Loading what="the permission catalogue" />;
  if (catalogueQuery.error) return <ErrorBox error={catalogueQuery.error} />;
  const catalogue = pickerCatalogue(catalogueQuery.data, me.permissions);
  const current = choice ?? emptyChoice(catalogue);
  const permissions = permissionsOf(current);
  return (
    <form
      className="panel"
      aria-labelledby="create-key-title"
      onSubmit={(event) => {
        event.preventDefault();
        create.mutate(permissions);
      }}
    >
      <h2 id="create-key-title">New fine-grained key</h2>
      <div className="access-row">
        <label>
          Key name
          <input
            value={name}
            required
            pattern="[a-z0-9]([a-z0-9\-]{0,61}[a-z0-9])?"
            title="lower-case letters, digits and -"
            onChange={(event) => setName(event.target.value)}
          />
        </label>
        <label>
          Expires in
          <select value={days} onChange={(event) => setDays(Number(event.target.value))}>
            {EXPIRIES.map((value) => (
              <option key={value} value={value}>
                {value} days
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="access-row">
        <button type="button" onClick={() => setChoice(readAll(catalogue))}>
          Read all
        </button>
        <button type="button" onClick={() => setChoice(readWriteAll(catalogue, me.permissions))}>
          Read &amp; write all
        </button>
        <button type="button" onClick={() => setChoice(emptyChoice(catalogue))}>
          Clear
        </button>
      </div>
      <PermissionPicker catalogue={catalogue} held={me.permissions} choice={current} onChange={setChoice} />
      <p className="muted" aria-live="polite">
        {permissions.length === 0
          ? 'Choose at least one permission.'
          : `${permissions.length} permissions: ${permissions.join(', ')}`}
      </p>
      <ErrorBox error={create.error} />
      <button type="submit" className="primary" disabled={permissions.length === 0 || create.isPending}>
        Create key
      </button>
    </form>
  );
}
