import { type ComponentType, lazy, type ReactElement, Suspense } from 'react';
import { Loading } from './components/ui';

/**
 * A page loaded on first visit: its code is a chunk of its own, so the first load (the journal)
 * does not carry every page's code and libraries (the YAML parser, the permission picker…).
 */
export function lazyPage<Module>(
  load: () => Promise<Module>,
  pick: (module: Module) => ComponentType,
): ReactElement {
  const Page = lazy(async () => ({ default: pick(await load()) }));
  return (
    <Suspense fallback={<Loading what="the page" />}>
      <Page />
    </Suspense>
  );
}
