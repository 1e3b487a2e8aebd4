import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api } from '../../api/client';
import { ErrorBox, Loading, PageHeader } from '../../components/ui';
import { ReadyBadge, Time } from './format';
import { Pager, usePaging } from './paging';
import type { Device, Page } from './types';

const PAGE_SIZE = 50;

/**
 * `/devices`: the fleet as a table (what `steward get devices` prints), filtered by a label
 * selector kept in the URL (`?labelSelector=`, passed to the API as is, so a link or a reload
 * shows the same devices).
 */
export function DevicesPage() {
  const [search, setSearch] = useSearchParams();
  const selector = search.get('labelSelector') ?? '';
  const [draft, setDraft] = useState(selector);
  const paging = usePaging();
  const { reset } = paging;
  // A new selector starts from the first page: the tokens of the old one mean nothing for it.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when the selector changes
  useEffect(() => {
    setDraft(selector);
    reset();
  }, [selector]);
  const devices = useQuery({
    queryKey: ['devices', selector, paging.token],
    queryFn: () =>
      api<Page<Device>>('GET', '/devices', {
        query: { labelSelector: selector, limit: PAGE_SIZE, continue: paging.token },
      }),
    placeholderData: keepPreviousData,
  });
  const filter = (event: FormEvent) => {
    event.preventDefault();
    const next = new URLSearchParams(search);
    if (draft.trim()) next.set('labelSelector', draft.trim());
    else next.delete('labelSelector');
    setSearch(next);
  };
  return (
    <>
      <PageHeader title="Devices" />
      <form className="filters" onSubmit={filter} aria-label="Filter devices">
        <label>
          Label selector
          <input
            name="labelSelector"
            value={draft}
            onChange={(event) => setDraft(event.target.value)}
            placeholder="env=prod,ring in (canary,early)"
            size={36}
          />
        </label>
        <button type="submit">Filter</button>
        {selector && (
          <button type="button" onClick={() => setSearch(new URLSearchParams())}>
            Clear filter
          </button>
        )}
      </form>
      <ErrorBox error={devices.error} />
      {devices.isPending && <Loading what="devices" />}
      {devices.data && (
        <>
          <table>
            <caption className="fleet-caption">
              {devices.data.items.length} device{devices.data.items.length === 1 ? '' : 's'}
              {selector ? ` matching ${selector}` : ''}
              {paging.page > 1 ? `, page ${paging.page}` : ''}
            </caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Ready</th>
                <th scope="col">Platform</th>
                <th scope="col">Approved</th>
                <th scope="col">Assurance</th>
                <th scope="col">Last seen</th>
                <th scope="col">Installed version</th>
              </tr>
            </thead>
            <tbody>
              {devices.data.items.map((device) => (
                <DeviceRow key={device.metadata.name} device={device} />
              ))}
            </tbody>
          </table>
          {devices.data.items.length === 0 && <p className="muted">No devices match.</p>}
          <Pager paging={paging} nextToken={devices.data.metadata.continue} label="devices" />
        </>
      )}
    </>
  );
}

function DeviceRow({ device }: { device: Device }) {
  const { metadata, spec, status } = device;
  return (
    <tr>
      <td>
        <Link to={`/devices/${encodeURIComponent(metadata.name)}`}>{metadata.name}</Link>
        {spec.displayName && <div className="muted">{spec.displayName}</div>}
        {metadata.deletionTimestamp && <span className="badge warn">deleting</span>}
      </td>
      <td>
        <ReadyBadge conditions={status.conditions} />
      </td>
      <td>{spec.platform}</td>
      <td>
        {status.approved === undefined ? (
          <span className="muted">—</span>
        ) : status.approved ? (
          'yes'
        ) : (
          <span className="badge warn">pending</span>
        )}
      </td>
      <td>
        {status.assurance === 'high' ? <span className="badge ok">high</span> : (status.assurance ?? '—')}
      </td>
      <td>
        <Time value={status.lastSeen} empty="never" />
      </td>
      <td>
        {status.installed?.version ? (
          <>
            {status.installed.version} <span className="muted">{status.installed.artifact}</span>
          </>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
    </tr>
  );
}
