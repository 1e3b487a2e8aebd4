import { Link } from 'react-router';
import { ErrorBox, Loading, PageHeader } from '../../components/ui';
import { ReadyBadge, Time } from './format';
import { useResourceList } from './queries';
import type { CertificateAuthority } from './types';

/** `/cas`: the tenant's certificate authorities, as `steward get ca -o wide` lists them. */
export function CasPage() {
  const cas = useResourceList<CertificateAuthority>('certificateauthorities');
  return (
    <>
      <PageHeader title="Certificate authorities" />
      <ErrorBox error={cas.error} />
      {cas.isPending && <Loading what="certificate authorities" />}
      {cas.data && (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Ready</th>
              <th scope="col">Type</th>
              <th scope="col">Parent</th>
              <th scope="col">Subject</th>
              <th scope="col">Key</th>
              <th scope="col">Valid until</th>
            </tr>
          </thead>
          <tbody>
            {cas.data.items.map((ca) => (
              <tr key={ca.metadata.name}>
                <td className="fleet-name">
                  <Link to={`/cas/${encodeURIComponent(ca.metadata.name)}`}>{ca.metadata.name}</Link>
                </td>
                <td>
                  <ReadyBadge conditions={ca.status.conditions} />
                </td>
                <td>{ca.spec.type}</td>
                <td>
                  {ca.spec.parentRef ? (
                    <Link to={`/cas/${encodeURIComponent(ca.spec.parentRef.name)}`}>
                      {ca.spec.parentRef.name}
                    </Link>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
                <td>{ca.status.subject ?? '—'}</td>
                <td>{ca.status.keyAlgorithm ?? ca.spec.keyAlgorithm ?? '—'}</td>
                <td>
                  <Time value={ca.status.notAfter} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {cas.data?.items.length === 0 && <p className="muted">No certificate authorities.</p>}
    </>
  );
}
