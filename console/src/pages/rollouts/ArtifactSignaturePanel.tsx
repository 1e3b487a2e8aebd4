import { useQuery } from '@tanstack/react-query';
import { CopyButton, ErrorBox, Loading } from '../../components/ui';
import { useSignature, useSigningKeys } from './queries';
import { SignatureBadge } from './SignatureBadge';
import type { Artifact } from './types';
import { verifySignature } from './verify-signature';

/** Who signed the artifact, whether that key is current or retired, and two verdicts: the server's and this browser's. */
export function ArtifactSignaturePanel({ artifact }: { artifact: Artifact }) {
  const name = artifact.metadata.name;
  const signature = useSignature(name);
  const keys = useSigningKeys();
  const verification = useQuery({
    queryKey: ['artifacts', 'verification', name, signature.data?.signature],
    queryFn: () => (signature.data ? verifySignature(artifact, signature.data) : null),
    enabled: Boolean(signature.data),
  });
  const key = keys.data?.items.find((item) => item.keyId === signature.data?.keyId);
  return (
    <section className="panel" aria-labelledby="artifact-signature">
      <h2 id="artifact-signature">Signature</h2>
      <ErrorBox error={signature.error} />
      {signature.isPending && <Loading what="the signature" />}
      {signature.data && (
        <dl className="fields">
          <dt>Server's check</dt>
          <dd>
            <SignatureBadge artifact={artifact} />
          </dd>
          <dt>Checked in this browser</dt>
          <dd data-testid="browser-verification">
            {verification.data?.ok === true && <span className="badge ok">verified</span>}
            {verification.data?.ok === false && (
              <span className="badge bad">{verification.data.problem}</span>
            )}
            {verification.isPending && 'checking…'}
          </dd>
          <dt>Signed by key</dt>
          <dd>
            <code>{signature.data.keyId}</code> <CopyButton text={signature.data.keyId} label="Copy key id" />
            {key && (
              <span className={`badge ${key.retiredAt ? 'warn' : 'ok'}`}>
                {key.retiredAt ? `retired ${key.retiredAt}` : 'current key'}
              </span>
            )}
          </dd>
          <dt>Algorithm</dt>
          <dd>{signature.data.algorithm}</dd>
          <dt>Signed at</dt>
          <dd>{signature.data.signedAt}</dd>
          <dt>Signed payload</dt>
          <dd>
            <code className="signed-payload">{signature.data.payload}</code>
          </dd>
        </dl>
      )}
    </section>
  );
}
