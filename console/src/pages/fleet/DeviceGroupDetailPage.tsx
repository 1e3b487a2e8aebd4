import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { api } from '../../api/client';
import { ErrorBox, Loading, PageHeader } from '../../components/ui';
import { Conditions, Labels, selectorText } from './format';
import { Pager, usePaging } from './paging';
import { seg, useResource } from './queries';
import { ResourceHistory } from './ResourceHistory';
import type { Device, DeviceGroup, Page } from './types';

/** `/device-groups/:name`: the selector, the member count and the members the API resolves now. */
export function DeviceGroupDetailPage() {
  const name = useParams().name ?? '';
  const group = useResource<DeviceGroup>('devicegroups', name);
  const selector = group.data ? selectorText(group.data.spec.selector) : '';
  return (
    <>
      <PageHeader title={`Device group ${name}`} />
      <ErrorBox error={group.error} />
      {group.isPending && <Loading what={`device group ${name}`} />}
      {group.data && (
        <>
          <section className="panel" aria-labelledby="group-heading">
            <h2 id="group-heading">Overview</h2>
            <dl className="fields">
              <dt>Description</dt>
              <dd>{group.data.spec.description ?? '—'}</dd>
              <dt>Selector</dt>
              <dd>
                <code>{selector || 'every device'}</code>{' '}
                <Link to={`/devices?labelSelector=${encodeURIComponent(selector)}`}>open in Devices</Link>
              </dd>
              <dt>Members</dt>
              <dd>{group.data.status.count ?? '—'}</dd>
              <dt>Labels</dt>
              <dd>
                <Labels labels={group.data.metadata.labels} />
              </dd>
            </dl>
          </section>
          <section className="panel" aria-label="Conditions">
            <Conditions conditions={group.data.status.conditions} />
          </section>
          <GroupMembers name={name} />
          <ResourceHistory plural="devicegroups" name={name} />
        </>
      )}
    </>
  );
}

/** `GET /devicegroups/{name}/members`, paged (needs devices:read too: a 403 says so). */
function GroupMembers({ name }: { name: string }) {
  const paging = usePaging();
  const members = useQuery({
    queryKey: ['devicegroups', 'members', name, paging.token],
    queryFn: () =>
      api<Page<Device>>('GET', `/devicegroups/${seg(name)}/members`, {
        query: { limit: 100, continue: paging.token },
      }),
    placeholderData: keepPreviousData,
  });
  return (
    <section className="panel" aria-labelledby="members-heading">
      <h2 id="members-heading">Member devices</h2>
      <ErrorBox error={members.error} />
      {members.isPending && <Loading what="members" />}
      {members.data && (
        <>
          {members.data.items.length === 0 ? (
            <p className="muted">No device matches the selector.</p>
          ) : (
            <ul className="fleet-members">
              {members.data.items.map((device) => (
                <li key={device.metadata.name}>
                  <Link to={`/devices/${seg(device.metadata.name)}`}>{device.metadata.name}</Link>{' '}
                  <span className="muted">{device.spec?.platform}</span>
                </li>
              ))}
            </ul>
          )}
          <Pager paging={paging} nextToken={members.data.metadata.continue} label="members" />
        </>
      )}
    </section>
  );
}
