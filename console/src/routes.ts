import type { ReactElement } from 'react';

/**
 * One page of the console: its path (react-router syntax), its element, and, for pages in the
 * navigation, the label and the permission that shows the link. Each area lists its own pages
 * (pages/<area>/routes.tsx); App.tsx only collects them.
 */
export interface AreaRoute {
  path: string;
  element: ReactElement;
  nav?: {
    label: string;
    permission: string;
    section: 'Audit' | 'Fleet' | 'Rollouts' | 'Access' | 'Manifests';
  };
}
