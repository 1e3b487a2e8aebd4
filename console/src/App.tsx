import { Navigate, Route, Routes } from 'react-router';
import { AuthProvider, holds, useMe } from './auth';
import { Layout } from './components/Layout';
import { ErrorBox, Loading } from './components/ui';
import { routes as access } from './pages/access/routes';
import { routes as fleet } from './pages/fleet/routes';
import { routes as journal } from './pages/journal/routes';
import { Login } from './pages/Login';
import { routes as manifests } from './pages/manifests/routes';
import { routes as rollouts } from './pages/rollouts/routes';
import type { AreaRoute } from './routes';

/** Every page, in navigation order. */
export const ROUTES: AreaRoute[] = [...journal, ...fleet, ...rollouts, ...access, ...manifests];

export function App() {
  const me = useMe();
  if (me.isPending) return <Loading what="your session" />;
  if (me.isError) return <ErrorBox error={me.error} />;
  if (!me.data) return <Login />;
  const home = ROUTES.find((route) => route.nav && holds(me.data?.permissions ?? [], route.nav.permission));
  return (
    <AuthProvider me={me.data}>
      <Routes>
        <Route element={<Layout routes={ROUTES} />}>
          {ROUTES.map((route) => (
            <Route key={route.path} path={route.path} element={route.element} />
          ))}
          <Route
            path="/"
            element={home ? <Navigate to={home.path} replace /> : <p>No pages for this credential.</p>}
          />
          <Route path="*" element={<p role="alert">No such page.</p>} />
        </Route>
      </Routes>
    </AuthProvider>
  );
}
