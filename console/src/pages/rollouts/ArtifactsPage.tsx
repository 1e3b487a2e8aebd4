import { Link } from 'react-router';
import { ErrorBox, Loading, PageHeader } from '../../components/ui';
import { sizeText } from './format';
import { seg, useArtifacts } from './queries';
import { SignatureBadge } from './SignatureBadge';

/** `/artifacts`: every published artifact with its version, digest, size, platforms and signature. */
export function ArtifactsPage() {
  const artifacts = useArtifacts();
  return (
    <>
      <PageHeader title="Artifacts" />
      <ErrorBox error={artifacts.error} />
      {artifacts.isPending && <Loading what="artifacts" />}
      {artifacts.data && artifacts.data.items.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Version</th>
              <th scope="col">Digest</th>
              <th scope="col">Size</th>
              <th scope="col">Platforms</th>
              <th scope="col">Signature</th>
            </tr>
          </thead>
          <tbody>
            {artifacts.data.items.map((artifact) => (
              <tr key={artifact.metadata.name}>
                <td>
                  <Link to={`/artifacts/${seg(artifact.metadata.name)}`}>{artifact.metadata.name}</Link>
                </td>
                <td>{artifact.spec.version}</td>
                <td>
                  <code title={artifact.spec.digest}>{artifact.spec.digest.slice(0, 19)}…</code>
                </td>
                <td>{sizeText(artifact.spec.size)}</td>
                <td>{artifact.spec.platforms.join(', ')}</td>
                <td>
                  <SignatureBadge artifact={artifact} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {artifacts.data?.items.length === 0 && <p className="muted">No artifacts.</p>}
    </>
  );
}
