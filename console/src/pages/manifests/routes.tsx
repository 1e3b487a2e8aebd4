import { lazyPage } from '../../lazy-page';
import type { AreaRoute } from '../../routes';
import './manifests.css';

/**
 * The Manifests area: any resource as YAML, and apply with a dry run first. Apply's route needs
 * only a credential (the kinds' write permissions are checked per document), and a nav entry takes
 * one permission: `applysets:write` is the operator's GitOps write, which a viewer never holds;
 * Resources shows with `devices:read`, the read every role holds.
 */
export const routes: AreaRoute[] = [
  {
    path: '/resources',
    element: lazyPage(
      () => import('./ResourcesPage'),
      (m) => m.ResourcesPage,
    ),
    nav: { label: 'Resources', permission: 'devices:read', section: 'Manifests' },
  },
  {
    path: '/resources/:plural/:name',
    element: lazyPage(
      () => import('./ResourceYamlPage'),
      (m) => m.ResourceYamlPage,
    ),
  },
  {
    path: '/apply',
    element: lazyPage(
      () => import('./ApplyPage'),
      (m) => m.ApplyPage,
    ),
    nav: { label: 'Apply', permission: 'applysets:write', section: 'Manifests' },
  },
];
