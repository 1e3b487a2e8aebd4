import type { AreaRoute } from '../../routes';

export const routes: AreaRoute[] = [];
