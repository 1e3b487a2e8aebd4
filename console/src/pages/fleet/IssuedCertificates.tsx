import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api } from '../../api/client';
import { Can } from '../../auth';
import { ErrorBox, Loading } from '../../components/ui';
import { Time } from './format';
import { Pager, usePaging } from './paging';
import { seg } from './queries';
import { RevokeDialog } from './RevokeDialog';
import type { IssuedCertificate, Page } from './types';

/** The certificates a CA issued, in issue order, each revocable (certificateauthorities:write). */
export function IssuedCertificates({ ca }: { ca: string }) {
  const paging = usePaging();
  const [revoking, setRevoking] = useState<IssuedCertificate>();
  const issued = useQuery({
    queryKey: ['certificateauthorities', 'certificates', ca, paging.token],
    queryFn: () =>
      api<Page<IssuedCertificate>>('GET', `/certificateauthorities/${seg(ca)}/certificates`, {
        query: { limit: 50, continue: paging.token },
      }),
    placeholderData: keepPreviousData,
  });
  return (
    <section className="panel" aria-labelledby="issued-heading">
      <h2 id="issued-heading">Issued certificates</h2>
      <ErrorBox error={issued.error} />
      {issued.isPending && <Loading what="issued certificates" />}
      {issued.data && (
        <>
          <table>
            <thead>
              <tr>
                <th scope="col">Serial</th>
                <th scope="col">Subject</th>
                <th scope="col">Profile</th>
                <th scope="col">Owner</th>
                <th scope="col">Valid from</th>
                <th scope="col">Valid until</th>
                <th scope="col">State</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {issued.data.items.map((certificate) => (
                <tr key={certificate.serial}>
                  <td>
                    <code>{certificate.serial}</code>
                  </td>
                  <td>{certificate.subject}</td>
                  <td>{certificate.profile ?? '—'}</td>
                  <td>
                    {certificate.owner?.kind === 'Device' ? (
                      <Link to={`/devices/${seg(certificate.owner.name)}`}>{certificate.owner.name}</Link>
                    ) : (
                      (certificate.owner?.name ?? '—')
                    )}
                  </td>
                  <td>
                    <Time value={certificate.notBefore} />
                  </td>
                  <td>
                    <Time value={certificate.notAfter} />
                  </td>
                  <td>
                    {certificate.state === 'revoked' ? (
                      <span className="badge bad" title={certificate.revocation?.revokedAt}>
                        revoked ({certificate.revocation?.reason ?? 'unspecified'})
                      </span>
                    ) : certificate.state === 'expired' ? (
                      <span className="badge warn">expired</span>
                    ) : (
                      <span className="badge ok">valid</span>
                    )}
                  </td>
                  <td>
                    {certificate.state !== 'revoked' && (
                      <Can permission="certificateauthorities:write">
                        <button
                          type="button"
                          aria-label={`Revoke certificate ${certificate.serial}`}
                          onClick={() => setRevoking(certificate)}
                        >
                          Revoke
                        </button>
                      </Can>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {issued.data.items.length === 0 && <p className="muted">No certificates issued yet.</p>}
          <Pager paging={paging} nextToken={issued.data.metadata.continue} label="issued certificates" />
        </>
      )}
      {revoking && <RevokeDialog ca={ca} certificate={revoking} onClose={() => setRevoking(undefined)} />}
    </section>
  );
}
