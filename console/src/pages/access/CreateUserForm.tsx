import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/client';
import { ErrorBox } from '../../components/ui';
import { ROLES, type Role } from './types';

/** A new user of this tenant; the password's rules are the server's (its message is shown). */
export function CreateUserForm() {
  const client = useQueryClient();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const create = useMutation({
    mutationFn: () => api('POST', '/users', { body: { username, password, role } }),
    onSuccess: () => {
      setUsername('');
      setPassword('');
    },
    onSettled: () => client.invalidateQueries({ queryKey: ['users'] }),
  });
  return (
    <form
      className="panel"
      aria-labelledby="create-user-title"
      onSubmit={(event) => {
        event.preventDefault();
        create.mutate();
      }}
    >
      <h2 id="create-user-title">New user</h2>
      <div className="access-row">
        <label>
          New username
          <input
            value={username}
            required
            autoComplete="off"
            onChange={(event) => setUsername(event.target.value)}
          />
        </label>
        <label>
          New password
          <input
            type="password"
            value={password}
            required
            autoComplete="new-password"
            onChange={(event) => setPassword(event.target.value)}
          />
        </label>
        <label>
          New user's role
          <select value={role} onChange={(event) => setRole(event.target.value as Role)}>
            {ROLES.map((value) => (
              <option key={value}>{value}</option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary" disabled={create.isPending}>
          Create user
        </button>
      </div>
      <ErrorBox error={create.error} />
    </form>
  );
}
