import type { AreaRoute } from '../../routes';
import { KeysPage } from './KeysPage';
import { TrustPoliciesPage } from './TrustPoliciesPage';
import { TrustPolicyDetailPage } from './TrustPolicyDetailPage';
import { UsersPage } from './UsersPage';
import './access.css';

/** The Access area: API keys, users and the trust policies CI jobs exchange their tokens through. */
export const routes: AreaRoute[] = [
  {
    path: '/keys',
    element: <KeysPage />,
    nav: { label: 'API keys', permission: 'keys:write', section: 'Access' },
  },
  {
    path: '/users',
    element: <UsersPage />,
    nav: { label: 'Users', permission: 'users:admin', section: 'Access' },
  },
  {
    path: '/trust-policies',
    element: <TrustPoliciesPage />,
    nav: { label: 'Trust policies', permission: 'trustpolicies:read', section: 'Access' },
  },
  { path: '/trust-policies/:name', element: <TrustPolicyDetailPage /> },
];
