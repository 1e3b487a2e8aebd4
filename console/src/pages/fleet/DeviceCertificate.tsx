import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { useAuth } from '../../auth';
import { DownloadButton } from '../../components/DownloadButton';
import { ErrorBox } from '../../components/ui';
import { Time } from './format';
import { findIssued } from './issued-lookup';
import { seg } from './queries';
import type { Device } from './types';

/**
 * The device's identity certificate: what the Device status says (serial, issuer, renewal), with
 * the subject, validity and fingerprint from the issuing CA's records.
 */
export function DeviceCertificate({ device }: { device: Device }) {
  const { can } = useAuth();
  const certificate = device.status.certificate;
  const readable = can('certificateauthorities:read');
  const issued = useQuery({
    queryKey: ['certificateauthorities', 'issued', certificate?.issuer, certificate?.serial],
    queryFn: () => findIssued(certificate?.issuer ?? '', certificate?.serial ?? ''),
    enabled: Boolean(readable && certificate?.issuer && certificate.serial),
  });
  return (
    <section className="panel" aria-labelledby="certificate-heading">
      <h2 id="certificate-heading">Identity certificate</h2>
      {!certificate?.serial ? (
        <p className="muted">
          No certificate yet
          {device.status.approved === false
            ? ': the device waits for approval.'
            : ': the device has not enrolled.'}
        </p>
      ) : (
        <>
          <dl className="fields">
            <dt>Subject</dt>
            <dd>{issued.data?.subject ?? `CN=${device.metadata.name}`}</dd>
            <dt>Serial</dt>
            <dd>
              <code>{certificate.serial}</code>
            </dd>
            <dt>Issuer</dt>
            <dd>
              {certificate.issuer ? (
                <Link to={`/cas/${seg(certificate.issuer)}`}>{certificate.issuer}</Link>
              ) : (
                '—'
              )}
            </dd>
            <dt>Valid from</dt>
            <dd>
              <Time value={issued.data?.notBefore} />
            </dd>
            <dt>Valid until</dt>
            <dd>
              <Time value={certificate.notAfter ?? issued.data?.notAfter} />
            </dd>
            <dt>Renew after</dt>
            <dd>
              <Time value={certificate.renewAfter} />
            </dd>
            <dt>SHA-256 fingerprint</dt>
            <dd>
              <code className="fleet-wrap">{issued.data?.fingerprint ?? '—'}</code>
            </dd>
            <dt>State</dt>
            <dd>{issued.data?.state ?? '—'}</dd>
          </dl>
          <ErrorBox error={issued.error} />
          {readable && certificate.issuer && (
            <IssuerChainButton issuer={certificate.issuer} device={device.metadata.name} />
          )}
        </>
      )}
    </section>
  );
}

/**
 * The API serves no issued certificate's PEM (only the CA chain): the device holds its own
 * certificate; what a relying party needs from here is the chain that verifies it.
 */
function IssuerChainButton({ issuer, device }: { issuer: string; device: string }) {
  return (
    <div className="fleet-actions">
      <DownloadButton path={`/certificateauthorities/${seg(issuer)}/chain`} filename={`${issuer}-chain.pem`}>
        Download issuer chain (PEM)
      </DownloadButton>
      <span className="muted">
        the chain of {issuer}, which verifies the certificate of {device}
      </span>
    </div>
  );
}
