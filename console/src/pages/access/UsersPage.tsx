import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/client';
import { useAuth } from '../../auth';
import { ConfirmDialog, ErrorBox, Loading, PageHeader } from '../../components/ui';
import { Time } from '../../format';
import { CreateUserForm } from './CreateUserForm';
import { type ItemList, ROLES, type Role, type User } from './types';

/** `/users` (users:admin, session only): the tenant's users, their roles, creation and deletion. */
export function UsersPage() {
  const { me } = useAuth();
  const client = useQueryClient();
  const [deleting, setDeleting] = useState<User>();
  const users = useQuery({ queryKey: ['users'], queryFn: () => api<ItemList<User>>('GET', '/users') });
  const refresh = () => client.invalidateQueries({ queryKey: ['users'] });
  const changeRole = useMutation({
    mutationFn: ({ username, role }: { username: string; role: Role }) =>
      api('PUT', `/users/${encodeURIComponent(username)}`, { body: { role } }),
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: (username: string) => api('DELETE', `/users/${encodeURIComponent(username)}`, { body: {} }),
    onSettled: refresh,
  });
  return (
    <>
      <PageHeader title="Users" />
      <ErrorBox error={users.error ?? changeRole.error ?? remove.error} />
      {users.isPending && <Loading what="users" />}
      {users.data && (
        <>
          <CreateUserForm />
          <table>
            <thead>
              <tr>
                <th scope="col">Username</th>
                <th scope="col">Role</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.data.items.map((user) => (
                <tr key={user.username}>
                  <td>{user.username}</td>
                  <td>
                    <select
                      aria-label={`Role of ${user.username}`}
                      value={user.role}
                      disabled={changeRole.isPending}
                      onChange={(event) =>
                        changeRole.mutate({ username: user.username, role: event.target.value as Role })
                      }
                    >
                      {ROLES.map((role) => (
                        <option key={role}>{role}</option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <Time relative={false} value={user.createdAt} />
                  </td>
                  <td>
                    {user.username !== me.user && (
                      <button type="button" className="danger" onClick={() => setDeleting(user)}>
                        Delete <span className="sr-only">{user.username}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete user ${deleting.username}?`}
          body={<p>Their sessions end and their keys stop working.</p>}
          confirmLabel={`Delete ${deleting.username}`}
          danger
          onCancel={() => setDeleting(undefined)}
          onConfirm={() => {
            remove.mutate(deleting.username);
            setDeleting(undefined);
          }}
        />
      )}
    </>
  );
}
