import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { Can } from '../../auth';
import { DownloadButton } from '../../components/DownloadButton';
import { ErrorBox, Loading } from '../../components/ui';
import { Time } from './format';
import { seg } from './queries';
import type { DeviceLogBundle, Page } from './types';

/** While a bundle is requested, the device uploads it at its next check-in: look again meanwhile. */
const WAITING_REFRESH_MS = 5000;

/**
 * A device's log bundles (docs/device-logs.md): request one (devices:write), watch it until the
 * device uploads it at a check-in, download it.
 */
export function DeviceLogs({ name }: { name: string }) {
  const client = useQueryClient();
  const key = ['devices', 'logs', name];
  const logs = useQuery({
    queryKey: key,
    queryFn: () => api<Page<DeviceLogBundle>>('GET', `/devices/${seg(name)}/logs`, { query: { limit: 20 } }),
    refetchInterval: (query) =>
      query.state.data?.items.some((bundle) => bundle.state === 'requested') ? WAITING_REFRESH_MS : false,
  });
  const request = useMutation({
    mutationFn: () => api('POST', `/devices/${seg(name)}/logs`, { body: {} }),
    onSuccess: () => client.invalidateQueries({ queryKey: key }),
  });
  return (
    <section className="panel" aria-labelledby="logs-heading">
      <div className="fleet-section-header">
        <h2 id="logs-heading">Logs</h2>
        <Can permission="devices:write">
          <button type="button" onClick={() => request.mutate()} disabled={request.isPending}>
            Request log bundle
          </button>
        </Can>
      </div>
      <ErrorBox error={request.error} />
      <ErrorBox error={logs.error} />
      {logs.isPending && <Loading what="log bundles" />}
      {logs.data &&
        (logs.data.items.length === 0 ? (
          <p className="muted">No log bundles requested.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Requested</th>
                <th scope="col">By</th>
                <th scope="col">State</th>
                <th scope="col">Size</th>
                <th scope="col">Bundle</th>
              </tr>
            </thead>
            <tbody>
              {logs.data.items.map((bundle) => (
                <tr key={bundle.id}>
                  <td>
                    <Time value={bundle.requestedAt} />
                  </td>
                  <td>{bundle.requestedBy}</td>
                  <td>
                    {bundle.state === 'uploaded' ? (
                      <>
                        uploaded <Time value={bundle.uploadedAt} />
                      </>
                    ) : (
                      <span className="badge warn">waiting for the device’s next check-in</span>
                    )}
                  </td>
                  <td>{bundle.size === undefined ? '—' : `${bundle.size} bytes`}</td>
                  <td>
                    {bundle.state === 'uploaded' ? (
                      <DownloadButton
                        path={`/devices/${seg(name)}/logs/${seg(bundle.id)}`}
                        filename={`${name}-logs-${bundle.id}`}
                      >
                        {`Download bundle ${bundle.id}`}
                      </DownloadButton>
                    ) : (
                      <code>{bundle.id}</code>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
    </section>
  );
}
