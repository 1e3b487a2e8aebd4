import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../../api/client';
import { ErrorBox, Loading, PageHeader } from '../../components/ui';
import { ExplainForm } from './ExplainForm';
import { LintWarnings, ReadyBadge } from './PolicyHealth';
import type { ItemList, TrustPolicy } from './types';

/** `/trust-policies`: every policy with its readiness and lint, and the explain form. */
export function TrustPoliciesPage() {
  const policies = useQuery({
    queryKey: ['trustpolicies', 'list'],
    queryFn: () => api<ItemList<TrustPolicy>>('GET', '/trustpolicies', { query: { limit: 500 } }),
  });
  return (
    <>
      <PageHeader title="Trust policies" />
      <p className="muted">
        CI jobs and client certificates exchange their own credential for a short-lived Steward token through
        these policies: no stored secret.
      </p>
      <ErrorBox error={policies.error} />
      {policies.isPending && <Loading what="trust policies" />}
      {policies.data && policies.data.items.length === 0 && <p className="muted">No trust policies.</p>}
      {policies.data && policies.data.items.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">Issuer</th>
              <th scope="col">Ready</th>
              <th scope="col">Lint</th>
            </tr>
          </thead>
          <tbody>
            {policies.data.items.map((policy) => (
              <tr key={policy.metadata.name}>
                <td>
                  <Link to={`/trust-policies/${encodeURIComponent(policy.metadata.name)}`}>
                    {policy.metadata.name}
                  </Link>
                </td>
                <td>{policy.spec.type ?? 'oidc'}</td>
                <td>{policy.spec.issuer ?? '—'}</td>
                <td>
                  <ReadyBadge policy={policy} />
                </td>
                <td>
                  <LintWarnings policy={policy} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ExplainForm />
    </>
  );
}
