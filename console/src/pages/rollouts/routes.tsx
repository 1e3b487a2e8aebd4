import type { AreaRoute } from '../../routes';
import { ArtifactDetailPage } from './ArtifactDetailPage';
import { ArtifactsPage } from './ArtifactsPage';
import { RolloutDetailPage } from './RolloutDetailPage';
import { RolloutsPage } from './RolloutsPage';
import './rollouts.css';

/** The Rollouts area: rollouts wave by wave with their gates and actions, and the signed artifacts they move. */
export const routes: AreaRoute[] = [
  {
    path: '/rollouts',
    element: <RolloutsPage />,
    nav: { label: 'Rollouts', permission: 'rollouts:read', section: 'Rollouts' },
  },
  { path: '/rollouts/:name', element: <RolloutDetailPage /> },
  {
    path: '/artifacts',
    element: <ArtifactsPage />,
    nav: { label: 'Artifacts', permission: 'artifacts:read', section: 'Rollouts' },
  },
  { path: '/artifacts/:name', element: <ArtifactDetailPage /> },
];
