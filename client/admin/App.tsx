import { Suspense, useEffect, useState } from 'react';
import { ApiError, call, setCsrfToken } from '../shared/api';
import { pages, type PageDef } from './pages';
import { LoginPage } from './pages/LoginPage';
import { SetPasswordPage } from './pages/SetPasswordPage';
import { SetupPage } from './pages/SetupPage';
import { Link, matchPath, Router, useRouter } from './router';
import { SessionContext, type SessionUser } from './session';

type State = { kind: 'loading' } | { kind: 'anonymous' } | { kind: 'user'; user: SessionUser } | { kind: 'error'; message: string };

export function App() {
  const [state, setState] = useState<State>({ kind: 'loading' });
  const setupToken = window.location.pathname.startsWith('/admin/setup')
    ? new URLSearchParams(window.location.search).get('token')
    : null;
  // An account invitation link: /u/<token> (choose a password).
  const inviteToken = /^\/u\/([^/]+)$/.exec(window.location.pathname)?.[1] ?? null;

  const login = (user: SessionUser) => {
    setCsrfToken(user.csrfToken);
    setState({ kind: 'user', user });
  };

  useEffect(() => {
    if (setupToken || inviteToken) return;
    call('GET /api/auth/me')
      .then(login)
      .catch((e) => {
        if (e instanceof ApiError && e.status === 401) setState({ kind: 'anonymous' });
        else setState({ kind: 'error', message: e instanceof ApiError ? e.message : 'Er ging iets mis.' });
      });
  }, [setupToken, inviteToken]);

  if (setupToken && state.kind !== 'user') return <SetupPage token={setupToken} onDone={login} />;
  if (inviteToken && state.kind !== 'user') return <SetPasswordPage token={inviteToken} onDone={login} />;
  switch (state.kind) {
    case 'loading':
      return <main className="mr-narrow"><p>Bezig met laden…</p></main>;
    case 'error':
      return <main className="mr-narrow"><p className="mr-error" role="alert">{state.message}</p></main>;
    case 'anonymous':
      return <LoginPage onLogin={login} />;
    case 'user':
      return (
        <SessionContext.Provider value={state.user}>
          <Router>
            <Shell
              user={state.user}
              onLogout={async () => {
                await call('POST /api/auth/logout').catch(() => {});
                setCsrfToken(null);
                setState({ kind: 'anonymous' });
              }}
            />
          </Router>
        </SessionContext.Provider>
      );
  }
}

function Shell({ user, onLogout }: { user: SessionUser; onLogout: () => void }) {
  const { path } = useRouter();
  const [menuOpen, setMenuOpen] = useState(false);
  const [beheerOpen, setBeheerOpen] = useState(false);
  const visible = pages.filter((p) => user.role === 'admin' || p.role === 'researcher');
  let content = <NotFound />;
  for (const page of visible) {
    const params = matchPath(page.path, path);
    if (params) {
      const Page = page.component;
      content = <Page params={params} />;
      break;
    }
  }
  // Every navigation closes the menus (phones: the menu covers the page).
  useEffect(() => {
    setMenuOpen(false);
    setBeheerOpen(false);
  }, [path]);
  const current = (p: PageDef) => p.path === path || (p.section ?? []).some((s) => (s.endsWith('/') ? path.startsWith(s) : path === s));
  // The most specific entry wins (/mail/outbox is Beheer's, not E-mail's).
  const entries = visible.filter((p) => p.nav);
  const active = entries.filter(current).sort((a, b) => b.path.length - a.path.length)[0];
  const link = (p: PageDef) => (
    <li key={p.path}>
      <Link to={p.path} aria-current={p === active ? (p.path === path ? 'page' : 'true') : undefined}>
        {p.title}
      </Link>
    </li>
  );
  const groups = ([1, 2, 3] as const).map((g) => entries.filter((p) => p.nav === g)).filter((g) => g.length > 0);
  const beheer = entries.filter((p) => p.nav === 'beheer');
  return (
    <div className="mr-shell">
      <header className={menuOpen ? 'mr-header menu-open' : 'mr-header'}>
        <Link to="/" className="mr-brand">Meetronde</Link>
        <button
          type="button"
          className="secondary mr-menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="mr-nav"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          Menu
        </button>
        <nav id="mr-nav" aria-label="Hoofdmenu" className={menuOpen ? 'mr-nav open' : 'mr-nav'}>
          {groups.map((g, i) => (
            <ul key={i} className="mr-nav-group">
              {g.map(link)}
            </ul>
          ))}
          {beheer.length > 0 && (
            <div className="mr-nav-more">
              <button
                type="button"
                className="mr-nav-more-toggle"
                aria-expanded={beheerOpen}
                aria-controls="mr-nav-beheer"
                aria-current={active && beheer.includes(active) ? 'true' : undefined}
                onClick={() => setBeheerOpen(!beheerOpen)}
              >
                Beheer <span aria-hidden="true">▾</span>
              </button>
              <ul id="mr-nav-beheer" className="mr-nav-group" hidden={!beheerOpen}>
                {beheer.map(link)}
              </ul>
            </div>
          )}
        </nav>
        <div className="mr-user">
          <span>{user.name}</span>
          <button className="secondary" onClick={onLogout}>Uitloggen</button>
        </div>
      </header>
      <main className="mr-main">
        <Suspense fallback={<p>Bezig met laden…</p>}>{content}</Suspense>
      </main>
    </div>
  );
}

function NotFound() {
  return (
    <section className="mr-card">
      <h1>Pagina niet gevonden</h1>
      <p><Link to="/">Terug naar het overzicht</Link></p>
    </section>
  );
}
