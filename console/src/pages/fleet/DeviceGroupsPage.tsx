import { Link } from 'react-router';
import { ErrorBox, Loading, PageHeader } from '../../components/ui';
import { ReadyBadge, selectorText } from './format';
import { useResourceList } from './queries';
import type { DeviceGroup } from './types';

/** `/device-groups`: every group with its selector and how many devices it matches now. */
export function DeviceGroupsPage() {
  const groups = useResourceList<DeviceGroup>('devicegroups');
  return (
    <>
      <PageHeader title="Device groups" />
      <ErrorBox error={groups.error} />
      {groups.isPending && <Loading what="device groups" />}
      {groups.data && (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Selector</th>
              <th scope="col">Members</th>
              <th scope="col">Ready</th>
              <th scope="col">Description</th>
            </tr>
          </thead>
          <tbody>
            {groups.data.items.map((group) => (
              <tr key={group.metadata.name}>
                <td className="fleet-name">
                  <Link to={`/device-groups/${encodeURIComponent(group.metadata.name)}`}>
                    {group.metadata.name}
                  </Link>
                </td>
                <td>
                  <code>{selectorText(group.spec.selector) || 'every device'}</code>
                </td>
                <td>{group.status.count ?? '—'}</td>
                <td>
                  <ReadyBadge conditions={group.status.conditions} />
                </td>
                <td>{group.spec.description ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {groups.data?.items.length === 0 && <p className="muted">No device groups.</p>}
    </>
  );
}
