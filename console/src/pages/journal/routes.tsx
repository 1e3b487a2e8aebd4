import type { AreaRoute } from '../../routes';
import { JournalPage } from './JournalPage';
import { SettingsPage } from './SettingsPage';

/** The Audit area: the journal (query, live follow, entry detail, verify, export) and its retention. */
export const routes: AreaRoute[] = [
  {
    path: '/journal',
    element: <JournalPage />,
    nav: { label: 'Journal', permission: 'journal:read', section: 'Audit' },
  },
  {
    path: '/settings',
    element: <SettingsPage />,
    nav: { label: 'Journal retention', permission: 'journal:admin', section: 'Audit' },
  },
];
