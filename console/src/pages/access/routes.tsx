import { lazyPage } from '../../lazy-page';
import type { AreaRoute } from '../../routes';
import './access.css';

/** The Access area: API keys, users and the trust policies CI jobs exchange their tokens through. */
export const routes: AreaRoute[] = [
  {
    path: '/keys',
    element: lazyPage(
      () => import('./KeysPage'),
      (m) => m.KeysPage,
    ),
    nav: { label: 'API keys', permission: 'keys:write', section: 'Access' },
  },
  {
    path: '/users',
    element: lazyPage(
      () => import('./UsersPage'),
      (m) => m.UsersPage,
    ),
    nav: { label: 'Users', permission: 'users:admin', section: 'Access' },
  },
  {
    path: '/trust-policies',
    element: lazyPage(
      () => import('./TrustPoliciesPage'),
      (m) => m.TrustPoliciesPage,
    ),
    nav: { label: 'Trust policies', permission: 'trustpolicies:read', section: 'Access' },
  },
  {
    path: '/trust-policies/:name',
    element: lazyPage(
      () => import('./TrustPolicyDetailPage'),
      (m) => m.TrustPolicyDetailPage,
    ),
  },
];
