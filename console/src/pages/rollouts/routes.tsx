import { lazyPage } from '../../lazy-page';
import type { AreaRoute } from '../../routes';
import './rollouts.css';

/** The Rollouts area: rollouts wave by wave with their gates and actions, and the signed artifacts they move. */
export const routes: AreaRoute[] = [
  {
    path: '/rollouts',
    element: lazyPage(
      () => import('./RolloutsPage'),
      (m) => m.RolloutsPage,
    ),
    nav: { label: 'Rollouts', permission: 'rollouts:read', section: 'Rollouts' },
  },
  {
    path: '/rollouts/:name',
    element: lazyPage(
      () => import('./RolloutDetailPage'),
      (m) => m.RolloutDetailPage,
    ),
  },
  {
    path: '/artifacts',
    element: lazyPage(
      () => import('./ArtifactsPage'),
      (m) => m.ArtifactsPage,
    ),
    nav: { label: 'Artifacts', permission: 'artifacts:read', section: 'Rollouts' },
  },
  {
    path: '/artifacts/:name',
    element: lazyPage(
      () => import('./ArtifactDetailPage'),
      (m) => m.ArtifactDetailPage,
    ),
  },
];
