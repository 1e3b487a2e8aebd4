import { DownloadButton } from '../../components/DownloadButton';
import { seg, useSbom } from './queries';

const EXTENSIONS: Record<string, string> = {
  'application/spdx+json': 'spdx.json',
  'application/vnd.cyclonedx+json': 'cdx.json',
};

/** Whether the artifact has an SBOM, its format, and its download in its own content type. */
export function SbomPanel({ name }: { name: string }) {
  const sbom = useSbom(name);
  return (
    <section className="panel" aria-labelledby="artifact-sbom">
      <h2 id="artifact-sbom">SBOM</h2>
      {sbom.isPending && <p className="muted">Looking for an SBOM…</p>}
      {sbom.data === null && <p data-testid="sbom-state">No SBOM attached.</p>}
      {sbom.data && (
        <>
          <p data-testid="sbom-state">
            Attached, <code>{sbom.data.contentType}</code>
          </p>
          <DownloadButton
            path={`/artifacts/${seg(name)}/sbom`}
            filename={`${name}.${EXTENSIONS[sbom.data.contentType] ?? 'json'}`}
          >
            Download SBOM
          </DownloadButton>
        </>
      )}
      {sbom.isError && (
        <p className="bad">Could not tell whether an SBOM is attached: {String(sbom.error)}</p>
      )}
    </section>
  );
}
