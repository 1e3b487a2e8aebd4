import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import { ErrorBox, Loading } from '../../components/ui';
import { Time } from './format';
import { Pager, usePaging } from './paging';
import { seg } from './queries';
import type { HistoryEntry, Page } from './types';

/** The journal of one resource, newest first (`GET /{plural}/{name}/history`), paged. */
export function ResourceHistory({ plural, name }: { plural: string; name: string }) {
  const paging = usePaging();
  const history = useQuery({
    queryKey: [plural, 'history', name, paging.token],
    queryFn: () =>
      api<Page<HistoryEntry>>('GET', `/${plural}/${seg(name)}/history`, {
        query: { limit: 20, continue: paging.token },
      }),
    placeholderData: keepPreviousData,
  });
  return (
    <section className="panel" aria-labelledby="history-heading">
      <h2 id="history-heading">History</h2>
      <ErrorBox error={history.error} />
      {history.isPending && <Loading what="history" />}
      {history.data && (
        <>
          <table>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Actor</th>
                <th scope="col">Operation</th>
                <th scope="col">Result</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {history.data.items.map((entry) => (
                <tr key={entry.seq}>
                  <td>
                    <Time value={entry.time} />
                  </td>
                  <td>
                    {entry.actor.name} <span className="muted">({entry.actor.type})</span>
                  </td>
                  <td>
                    <code>{entry.operation}</code>
                    {entry.generation !== null && <span className="muted"> gen {entry.generation}</span>}
                  </td>
                  <td>{entry.result}</td>
                  <td>{entry.reason ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager paging={paging} nextToken={history.data.metadata.continue} label="history" />
        </>
      )}
    </section>
  );
}
