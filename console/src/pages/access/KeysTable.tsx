import { Time } from '../../format';
import type { ApiKey } from './types';

/** The tenant's (or, without keys:admin, the caller's own) keys; never a secret. */
export function KeysTable({ keys, onRevoke }: { keys: ApiKey[]; onRevoke: (key: ApiKey) => void }) {
  if (keys.length === 0) return <p className="muted">No API keys yet.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Type</th>
          <th scope="col">Permissions</th>
          <th scope="col">Owner</th>
          <th scope="col">Created</th>
          <th scope="col">Expires</th>
          <th scope="col">Last used</th>
          <th scope="col">
            <span className="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {keys.map((key) => (
          <tr key={key.id}>
            <td>
              {key.name} <code className="muted">{key.prefix}</code>
            </td>
            <td>{key.slot ? `${key.type} (${key.slot})` : key.type}</td>
            <td>
              <span className="access-perms">
                {key.permissions.map((permission) => (
                  <span key={permission} className="badge">
                    {permission}
                  </span>
                ))}
              </span>
            </td>
            <td>{key.owner}</td>
            <td>
              <Time relative={false} value={key.createdAt} />
            </td>
            <td>
              <Time relative={false} value={key.expiresAt} empty="never" />
            </td>
            <td>
              <Time relative={false} value={key.lastUsedAt} empty="never" />
            </td>
            <td>
              <button type="button" className="danger" onClick={() => onRevoke(key)}>
                Revoke <span className="sr-only">{key.name}</span>
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
