import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { api } from '../../api/client';
import { ErrorBox, Loading, PageHeader } from '../../components/ui';
import { LintWarnings, ReadyBadge } from './PolicyHealth';
import type { TrustPolicy } from './types';
import { WorkflowSnippet } from './WorkflowSnippet';

/** `/trust-policies/:name`: the policy's rules, permissions, readiness and lint, and its workflow snippet. */
export function TrustPolicyDetailPage() {
  const name = useParams().name ?? '';
  const policy = useQuery({
    queryKey: ['trustpolicies', 'one', name],
    queryFn: () => api<TrustPolicy>('GET', `/trustpolicies/${encodeURIComponent(name)}`),
  });
  const spec = policy.data?.spec;
  const rules = Object.entries(spec?.claims ?? {});
  return (
    <>
      <PageHeader title={`Trust policy ${name}`}>
        <Link to="/trust-policies">All trust policies</Link>
        <Link to={`/resources/trustpolicies/${encodeURIComponent(name)}`}>YAML</Link>
      </PageHeader>
      <ErrorBox error={policy.error} />
      {policy.isPending && <Loading what={`trust policy ${name}`} />}
      {policy.data && spec && (
        <>
          <dl className="fields">
            <dt>Type</dt>
            <dd>{spec.type ?? 'oidc'}</dd>
            <dt>Issuer</dt>
            <dd>{spec.issuer ?? '—'}</dd>
            <dt>Ready</dt>
            <dd>
              <ReadyBadge policy={policy.data} />
            </dd>
            <dt>Lint</dt>
            <dd>
              <LintWarnings policy={policy.data} />
            </dd>
            <dt>Session</dt>
            <dd>{spec.maxSessionSeconds ? `${spec.maxSessionSeconds} s at most` : 'server default'}</dd>
            <dt>Permissions</dt>
            <dd>{(spec.permissions ?? []).join(', ')}</dd>
          </dl>
          <h2>Rules</h2>
          {rules.length === 0 ? (
            <p className="muted">No claim rules.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Claim</th>
                  <th scope="col">Must be</th>
                </tr>
              </thead>
              <tbody>
                {rules.map(([claim, value]) => (
                  <tr key={claim}>
                    <td>
                      <code>{claim}</code>
                    </td>
                    <td>
                      <code>{String(value)}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {(spec.type ?? 'oidc') === 'oidc' && <WorkflowSnippet policy={name} />}
        </>
      )}
    </>
  );
}
