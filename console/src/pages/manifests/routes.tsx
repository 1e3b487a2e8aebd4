import type { AreaRoute } from '../../routes';
import { ApplyPage } from './ApplyPage';
import { ResourcesPage } from './ResourcesPage';
import { ResourceYamlPage } from './ResourceYamlPage';
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
    element: <ResourcesPage />,
    nav: { label: 'Resources', permission: 'devices:read', section: 'Manifests' },
  },
  { path: '/resources/:plural/:name', element: <ResourceYamlPage /> },
  {
    path: '/apply',
    element: <ApplyPage />,
    nav: { label: 'Apply', permission: 'applysets:write', section: 'Manifests' },
  },
];
