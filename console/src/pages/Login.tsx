import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api } from '../api/client';
import { ErrorBox } from '../components/ui';

/** `POST /api/v1/auth/login`: sets the session cookie and the CSRF cookie the console sends back. */
export function Login() {
  const client = useQueryClient();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(undefined);
    try {
      await api('POST', '/auth/login', {
        body: {
          username: String(form.get('username')),
          password: String(form.get('password')),
          ...(form.get('tenant') ? { tenant: String(form.get('tenant')) } : {}),
        },
      });
      await client.invalidateQueries({ queryKey: ['me'] });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }
  return (
    <main className="login" id="main">
      <h1>Sign in to Steward</h1>
      <form onSubmit={submit}>
        <label>
          Username
          <input name="username" autoComplete="username" required />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        <label>
          Tenant
          <input name="tenant" placeholder="default" />
        </label>
        <button type="submit" className="primary" disabled={busy}>
          Sign in
        </button>
      </form>
      <ErrorBox error={error} />
    </main>
  );
}
