import { Link, useParams } from 'react-router';
import { CopyButton, ErrorBox, Loading, PageHeader } from '../../components/ui';
import { ArtifactSignaturePanel } from './ArtifactSignaturePanel';
import { sizeText } from './format';
import { useArtifact } from './queries';
import { SbomPanel } from './SbomPanel';

/** `/artifacts/:name`: the signed metadata, who signed it and whether it verifies, and the SBOM. */
export function ArtifactDetailPage() {
  const name = useParams().name ?? '';
  const artifact = useArtifact(name);
  const data = artifact.data;
  return (
    <>
      <PageHeader title={`Artifact ${name}`} />
      <p>
        <Link to="/artifacts">All artifacts</Link>
      </p>
      <ErrorBox error={artifact.error} />
      {artifact.isPending && <Loading what="the artifact" />}
      {data && (
        <>
          <section className="panel" aria-labelledby="artifact-metadata">
            <h2 id="artifact-metadata">Metadata</h2>
            <dl className="fields">
              <dt>Version</dt>
              <dd>{data.spec.version}</dd>
              <dt>Digest</dt>
              <dd>
                <code>{data.spec.digest}</code> <CopyButton text={data.spec.digest} label="Copy digest" />
              </dd>
              <dt>Size</dt>
              <dd>
                {sizeText(data.spec.size)} ({data.spec.size.toLocaleString('en')} bytes)
              </dd>
              <dt>Platforms</dt>
              <dd>{data.spec.platforms.join(', ')}</dd>
              {data.spec.url && (
                <>
                  <dt>URL</dt>
                  <dd>
                    <code>{data.spec.url}</code>
                  </dd>
                </>
              )}
              {data.spec.description && (
                <>
                  <dt>Description</dt>
                  <dd>{data.spec.description}</dd>
                </>
              )}
            </dl>
          </section>
          <ArtifactSignaturePanel artifact={data} />
          <SbomPanel name={name} />
        </>
      )}
    </>
  );
}
