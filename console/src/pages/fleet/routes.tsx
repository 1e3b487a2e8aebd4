import type { AreaRoute } from '../../routes';
import { CaDetailPage } from './CaDetailPage';
import { CasPage } from './CasPage';
import { DeviceDetailPage } from './DeviceDetailPage';
import { DeviceGroupDetailPage } from './DeviceGroupDetailPage';
import { DeviceGroupsPage } from './DeviceGroupsPage';
import { DevicesPage } from './DevicesPage';
import { EnrollTokensPage } from './EnrollTokensPage';
import './fleet.css';

/** The Fleet area: devices, their groups, the PKI that identifies them, and enrollment. */
export const routes: AreaRoute[] = [
  {
    path: '/devices',
    element: <DevicesPage />,
    nav: { label: 'Devices', permission: 'devices:read', section: 'Fleet' },
  },
  { path: '/devices/:name', element: <DeviceDetailPage /> },
  {
    path: '/device-groups',
    element: <DeviceGroupsPage />,
    nav: { label: 'Device groups', permission: 'devicegroups:read', section: 'Fleet' },
  },
  { path: '/device-groups/:name', element: <DeviceGroupDetailPage /> },
  {
    path: '/cas',
    element: <CasPage />,
    nav: { label: 'Certificate authorities', permission: 'certificateauthorities:read', section: 'Fleet' },
  },
  { path: '/cas/:name', element: <CaDetailPage /> },
  {
    path: '/enroll-tokens',
    element: <EnrollTokensPage />,
    nav: { label: 'Enrollment tokens', permission: 'enroll-tokens:write', section: 'Fleet' },
  },
];
