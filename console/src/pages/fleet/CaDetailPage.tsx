import { Link, useParams } from 'react-router';
import { DownloadButton } from '../../components/DownloadButton';
import { ErrorBox, Loading, PageHeader } from '../../components/ui';
import { Conditions, ReadyBadge, Time } from './format';
import { IssuedCertificates } from './IssuedCertificates';
import { seg, useResource } from './queries';
import { ResourceHistory } from './ResourceHistory';
import type { CertificateAuthority } from './types';

/** `/cas/:name`: a CA's status, its chain and CRL, the certificates it issued. */
export function CaDetailPage() {
  const name = useParams().name ?? '';
  const ca = useResource<CertificateAuthority>('certificateauthorities', name);
  const base = `/certificateauthorities/${seg(name)}`;
  return (
    <>
      <PageHeader title={`Certificate authority ${name}`}>
        <DownloadButton path={`${base}/chain`} filename={`${name}-chain.pem`}>
          Download chain (PEM)
        </DownloadButton>
        <DownloadButton path={`${base}/bundle`} filename={`${name}-bundle.pem`}>
          Download trust bundle (PEM)
        </DownloadButton>
        <DownloadButton path={`${base}/crl`} query={{ format: 'pem' }} filename={`${name}.crl.pem`}>
          Download CRL (PEM)
        </DownloadButton>
      </PageHeader>
      <ErrorBox error={ca.error} />
      {ca.isPending && <Loading what={`certificate authority ${name}`} />}
      {ca.data && (
        <>
          <section className="panel" aria-labelledby="ca-heading">
            <h2 id="ca-heading">Status</h2>
            <dl className="fields">
              <dt>Ready</dt>
              <dd>
                <ReadyBadge conditions={ca.data.status.conditions} />
              </dd>
              <dt>Type</dt>
              <dd>{ca.data.spec.type}</dd>
              <dt>Parent</dt>
              <dd>
                {ca.data.spec.parentRef ? (
                  <Link to={`/cas/${seg(ca.data.spec.parentRef.name)}`}>{ca.data.spec.parentRef.name}</Link>
                ) : (
                  'none (self-signed root)'
                )}
              </dd>
              <dt>Subject</dt>
              <dd>{ca.data.status.subject ?? '—'}</dd>
              <dt>Key algorithm</dt>
              <dd>{ca.data.status.keyAlgorithm ?? ca.data.spec.keyAlgorithm ?? '—'}</dd>
              <dt>Serial</dt>
              <dd>
                <code>{ca.data.status.serial ?? '—'}</code>
              </dd>
              <dt>Valid from</dt>
              <dd>
                <Time value={ca.data.status.notBefore} />
              </dd>
              <dt>Valid until</dt>
              <dd>
                <Time value={ca.data.status.notAfter} />
              </dd>
              <dt>Renews</dt>
              <dd>
                <Time value={ca.data.status.renewalTime} />
              </dd>
              <dt>SHA-256 fingerprint</dt>
              <dd>
                <code className="fleet-wrap">{ca.data.status.fingerprint ?? '—'}</code>
              </dd>
              <dt>Leaf validity</dt>
              <dd>{ca.data.spec.leafValidity ?? 'default (8760h)'}</dd>
            </dl>
          </section>
          <section className="panel" aria-label="Conditions">
            <Conditions conditions={ca.data.status.conditions} />
          </section>
          <IssuedCertificates ca={name} />
          <ResourceHistory plural="certificateauthorities" name={name} />
        </>
      )}
    </>
  );
}
