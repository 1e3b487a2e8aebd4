import { NavLink, Outlet } from 'react-router';
import { useAuth } from '../auth';
import type { AreaRoute } from '../routes';

const SECTIONS = ['Audit', 'Fleet', 'Rollouts', 'Access', 'Manifests'] as const;

/** The frame of every signed-in page: navigation (links the credential may use), who is signed in. */
export function Layout({ routes }: { routes: AreaRoute[] }) {
  const { me, can, signOut } = useAuth();
  const visible = routes.filter((route) => route.nav && can(route.nav.permission));
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Steward</span>
        <span className="who" role="status" aria-label="Signed in as">
          {me.user ?? me.credential.name ?? me.credential.id} · tenant <strong>{me.tenant}</strong>
          {me.role ? ` · ${me.role}` : ''}
        </span>
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <nav aria-label="Console">
        {SECTIONS.map((section) => {
          const links = visible.filter((route) => route.nav?.section === section);
          if (links.length === 0) return null;
          return (
            <div key={section} className="nav-section">
              <h2>{section}</h2>
              <ul>
                {links.map((route) => (
                  <li key={route.path}>
                    <NavLink to={route.path.replace(/\/\*$/, '')}>{route.nav?.label}</NavLink>
                  </li>
                ))}
              </ul>
            </div>
          );
        })}
        <div className="nav-section">
          <h2>Reference</h2>
          <ul>
            <li>
              <a href="/api/docs">API reference</a>
            </li>
          </ul>
        </div>
      </nav>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
