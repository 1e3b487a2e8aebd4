import { useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import type { ApiResource } from '../../../../src/contract/discovery';
import type { ResourceList, ServedResource } from '../../../../src/contract/resource';
import { api } from '../../api/client';
import { useAuth } from '../../auth';
import { ErrorBox, Loading, PageHeader } from '../../components/ui';
import { columnValue } from './columns';
import { useKinds } from './useKinds';

const PAGE = 100;

function ResourceTable({ kind, after }: { kind: ApiResource; after?: string }) {
  const [, setParams] = useSearchParams();
  const list = useQuery({
    queryKey: [kind.plural, 'list', 'page', after],
    queryFn: () => api<ResourceList>('GET', `/${kind.plural}`, { query: { limit: PAGE, continue: after } }),
  });
  const columns = kind.columns.filter((column) => (column.priority ?? 0) === 0);
  if (list.error) return <ErrorBox error={list.error} />;
  if (list.isPending) return <Loading what={kind.plural} />;
  if (list.data.items.length === 0) return <p className="muted">No {kind.plural}.</p>;
  const next = list.data.metadata.continue;
  return (
    <>
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            {columns.map((column) => (
              <th key={column.name} scope="col" title={column.description}>
                {column.name.toLowerCase()}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {list.data.items.map((item: ServedResource) => (
            <tr key={item.metadata.name}>
              <td>
                <Link to={`/resources/${kind.plural}/${encodeURIComponent(item.metadata.name)}`}>
                  {item.metadata.name}
                </Link>
              </td>
              {columns.map((column) => (
                <td key={column.name}>{columnValue(item, column)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <div className="pager">
        {after && (
          <button type="button" onClick={() => setParams({ kind: kind.plural })}>
            First page
          </button>
        )}
        {next && (
          <button type="button" onClick={() => setParams({ kind: kind.plural, continue: next })}>
            Next page
          </button>
        )}
      </div>
    </>
  );
}

/** `/resources?kind=PLURAL`: any kind the server serves (discovery), its resources, each as YAML. */
export function ResourcesPage() {
  const { can } = useAuth();
  const [params, setParams] = useSearchParams();
  const kinds = useKinds();
  const readable = kinds.data?.resources.filter((kind) => can(`${kind.plural}:read`)) ?? [];
  const chosen = readable.find((kind) => kind.plural === params.get('kind')) ?? readable[0];
  return (
    <>
      <PageHeader title="Resources">
        {can('applysets:write') && <Link to="/apply">Apply manifests</Link>}
      </PageHeader>
      <ErrorBox error={kinds.error} />
      {kinds.isPending && <Loading what="the kinds" />}
      {chosen && (
        <>
          <label>
            Kind
            <select value={chosen.plural} onChange={(event) => setParams({ kind: event.target.value })}>
              {readable.map((kind) => (
                <option key={kind.plural} value={kind.plural}>
                  {kind.kind} ({kind.plural})
                </option>
              ))}
            </select>
          </label>
          <ResourceTable kind={chosen} after={params.get('continue') ?? undefined} />
        </>
      )}
    </>
  );
}
