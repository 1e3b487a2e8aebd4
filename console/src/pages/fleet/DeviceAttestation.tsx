import { conditionOf, Time } from '../../format';
import type { Device } from './types';

/** What each attestation format proves when verified (docs/attestation.md). */
const VERIFIED_CHECKS: Record<string, string[]> = {
  tpm: [
    'EK certificate chains to the authority’s anchors',
    'EK matches the permanent identifier',
    'credential activated by the TPM holding the EK',
    'quote signed by the attestation key over the nonce and the identity key',
  ],
  apple: [
    'attestation chain to the authority’s anchors',
    'nonce of this attestation',
    'serial number or UDID matches the permanent identifier',
    'attested key is the identity key',
  ],
};

/** The last attestation's outcome and the assurance it gave the device. */
export function DeviceAttestation({ device }: { device: Device }) {
  const attestation = device.status.attestation;
  const attested = conditionOf(device.status.conditions, 'Attested');
  return (
    <section className="panel" aria-labelledby="attestation-heading">
      <h2 id="attestation-heading">Attestation</h2>
      <dl className="fields">
        <dt>Assurance</dt>
        <dd>
          {device.status.assurance === 'high' ? (
            <span className="badge ok">high</span>
          ) : (
            <span className="badge">{device.status.assurance ?? 'normal'}</span>
          )}
        </dd>
        {attestation ? (
          <>
            <dt>Result</dt>
            <dd className={attestation.attested ? 'ok' : 'bad'}>
              {attestation.attested ? 'Verified' : `Failed: ${attestation.reason ?? 'unknown'}`}
            </dd>
            <dt>Format</dt>
            <dd>{attestation.format ?? '—'}</dd>
            <dt>Authority</dt>
            <dd>{attestation.authority ?? '—'}</dd>
            <dt>When</dt>
            <dd>
              <Time value={attestation.at} />
            </dd>
            <dt>Message</dt>
            <dd>{attestation.message ?? attested?.message ?? '—'}</dd>
            {attestation.attested && attestation.format && VERIFIED_CHECKS[attestation.format] && (
              <>
                <dt>Verified</dt>
                <dd>
                  <ul className="fleet-checks">
                    {VERIFIED_CHECKS[attestation.format].map((check) => (
                      <li key={check}>{check}</li>
                    ))}
                  </ul>
                </dd>
              </>
            )}
          </>
        ) : (
          <>
            <dt>Result</dt>
            <dd className="muted">{attested?.message ?? 'The device has not attested.'}</dd>
          </>
        )}
      </dl>
    </section>
  );
}
