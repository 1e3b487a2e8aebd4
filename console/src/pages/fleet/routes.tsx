import { lazyPage } from '../../lazy-page';
import type { AreaRoute } from '../../routes';
import './fleet.css';

/** The Fleet area: devices, their groups, the PKI that identifies them, and enrollment. */
export const routes: AreaRoute[] = [
  {
    path: '/devices',
    element: lazyPage(
      () => import('./DevicesPage'),
      (m) => m.DevicesPage,
    ),
    nav: { label: 'Devices', permission: 'devices:read', section: 'Fleet' },
  },
  {
    path: '/devices/:name',
    element: lazyPage(
      () => import('./DeviceDetailPage'),
      (m) => m.DeviceDetailPage,
    ),
  },
  {
    path: '/device-groups',
    element: lazyPage(
      () => import('./DeviceGroupsPage'),
      (m) => m.DeviceGroupsPage,
    ),
    nav: { label: 'Device groups', permission: 'devicegroups:read', section: 'Fleet' },
  },
  {
    path: '/device-groups/:name',
    element: lazyPage(
      () => import('./DeviceGroupDetailPage'),
      (m) => m.DeviceGroupDetailPage,
    ),
  },
  {
    path: '/cas',
    element: lazyPage(
      () => import('./CasPage'),
      (m) => m.CasPage,
    ),
    nav: { label: 'Certificate authorities', permission: 'certificateauthorities:read', section: 'Fleet' },
  },
  {
    path: '/cas/:name',
    element: lazyPage(
      () => import('./CaDetailPage'),
      (m) => m.CaDetailPage,
    ),
  },
  {
    path: '/enroll-tokens',
    element: lazyPage(
      () => import('./EnrollTokensPage'),
      (m) => m.EnrollTokensPage,
    ),
    nav: { label: 'Enrollment tokens', permission: 'enroll-tokens:write', section: 'Fleet' },
  },
];
