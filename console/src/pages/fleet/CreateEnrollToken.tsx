import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api } from '../../api/client';
import { useAuth } from '../../auth';
import { CopyButton, ErrorBox } from '../../components/ui';
import { useResourceList } from './queries';
import type { CertificateAuthority, EnrollToken } from './types';

/** `team=infra, site=lab` → labels; pure. Malformed pairs are left to the server to name. */
export function parseLabels(text: string): Record<string, string> | undefined {
  const pairs = text
    .split(',')
    .map((pair) => pair.trim())
    .filter(Boolean);
  if (pairs.length === 0) return undefined;
  return Object.fromEntries(
    pairs.map((pair) => {
      const at = pair.indexOf('=');
      return at < 0 ? [pair, ''] : [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
    }),
  );
}

/**
 * The creation form. The token's secret is held only in this component's state: it is shown
 * once, as the API answers it once, and a reload or leaving the page drops it.
 */
export function CreateEnrollToken() {
  const client = useQueryClient();
  const { can } = useAuth();
  const caList = useResourceList<CertificateAuthority>('certificateauthorities', {
    enabled: can('certificateauthorities:read'),
  });
  const [created, setCreated] = useState<EnrollToken & { token: string }>();
  const create = useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      api<EnrollToken & { token: string }>('POST', '/enroll-tokens', { body }),
    onSuccess: async (token) => {
      setCreated(token);
      await client.invalidateQueries({ queryKey: ['enroll-tokens'] });
    },
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (field: string) => String(form.get(field) ?? '').trim();
    create.mutate({
      caRef: text('caRef'),
      description: text('description') || undefined,
      maxUses: text('maxUses') ? Number(text('maxUses')) : undefined,
      expiresIn: text('expiresIn') || undefined,
      labels: parseLabels(text('labels')),
      approval: text('approval'),
    });
  };
  const cas = caList.data?.items ?? [];
  return (
    <section className="panel" aria-labelledby="create-token-heading">
      <h2 id="create-token-heading">Create an enrollment token</h2>
      <form className="filters" onSubmit={submit}>
        <CaField cas={cas} />
        <label>
          Description
          <input name="description" maxLength={256} placeholder="lab batch 7" />
        </label>
        <label>
          Uses
          <input name="maxUses" type="number" min={1} defaultValue={1} size={6} />
        </label>
        <label>
          Expires in
          <input name="expiresIn" placeholder="24h" size={8} />
        </label>
        <label>
          Labels
          <input name="labels" placeholder="site=lab, team=infra" />
        </label>
        <label>
          Approval
          <select name="approval" defaultValue="auto">
            <option value="auto">auto: enrolled devices are approved</option>
            <option value="manual">manual: devices wait for approval</option>
          </select>
        </label>
        <button type="submit" className="primary" disabled={create.isPending}>
          Create token
        </button>
      </form>
      <ErrorBox error={create.error} />
      {created && (
        <div className="notice" role="status" aria-label="New enrollment token">
          <p>
            <strong>Token {created.id} created. Copy it now: it is shown once</strong> — Steward keeps only a
            hash of its secret, and it is gone when you leave or reload this page.
          </p>
          <p className="fleet-secret">
            <code>{created.token}</code> <CopyButton text={created.token} label="Copy token" />
          </p>
          <button type="button" onClick={() => setCreated(undefined)}>
            I have copied it
          </button>
        </div>
      )}
    </section>
  );
}

/**
 * A choice among the tenant's CAs when they can be read (an intermediate first: devices are
 * usually issued below the root), else a name typed in.
 */
function CaField({ cas }: { cas: CertificateAuthority[] }) {
  if (cas.length === 0)
    return (
      <label>
        Certificate authority
        <input name="caRef" required placeholder="fleet-issuing" />
      </label>
    );
  const preferred = cas.find((ca) => ca.spec.type === 'intermediate') ?? cas[0];
  return (
    <label>
      Certificate authority
      <select name="caRef" required defaultValue={preferred.metadata.name}>
        {cas.map((ca) => (
          <option key={ca.metadata.name} value={ca.metadata.name}>
            {ca.metadata.name} ({ca.spec.type})
          </option>
        ))}
      </select>
    </label>
  );
}
