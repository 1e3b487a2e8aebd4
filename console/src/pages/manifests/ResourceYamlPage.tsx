import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { stringify } from 'yaml';
import type { ServedResource } from '../../../../src/contract/resource';
import { api } from '../../api/client';
import { CopyButton, ErrorBox, Loading, PageHeader } from '../../components/ui';
import { saveText } from './save-text';

/**
 * `/resources/:plural/:name`: any resource as YAML, as `steward get -o yaml` prints it — server-set
 * metadata and status included, all ignored on apply, so the text applies again unchanged.
 */
export function ResourceYamlPage() {
  const { plural = '', name = '' } = useParams();
  const resource = useQuery({
    queryKey: [plural, 'one', name],
    queryFn: () => api<ServedResource>('GET', `/${encodeURIComponent(plural)}/${encodeURIComponent(name)}`),
  });
  const text = resource.data ? stringify(resource.data) : '';
  return (
    <>
      <PageHeader title={`${plural}/${name}`}>
        <Link to={`/resources?kind=${encodeURIComponent(plural)}`}>All {plural}</Link>
        {text && <CopyButton text={text} label="Copy YAML" />}
        {text && (
          <button type="button" onClick={() => saveText(text, `${plural}-${name}.yaml`)}>
            Download YAML
          </button>
        )}
      </PageHeader>
      <ErrorBox error={resource.error} />
      {resource.isPending && <Loading what={`${plural}/${name}`} />}
      {text && (
        <figure className="manifests-figure" aria-label={`YAML of ${plural}/${name}`}>
          <pre>{text}</pre>
        </figure>
      )}
    </>
  );
}
