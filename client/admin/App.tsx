import { useEffect, useState } from 'react';
import { api, ApiError, setCsrfToken } from '../shared/api';
import { pages } from './pages';
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
    api<SessionUser>('GET', '/api/auth/me')
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
                await api('POST', '/api/auth/logout').catch(() => {});
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
  return (
    <div className="mr-shell">
      <header className="mr-header">
        <Link to="/" className="mr-brand">Meetronde</Link>
        <nav aria-label="Hoofdmenu">
          {visible
            .filter((p) => p.nav)
            .map((p) => (
              <Link key={p.path} to={p.path} aria-current={p.path === path ? 'page' : undefined}>
                {p.title}
              </Link>
            ))}
        </nav>
        <div className="mr-user">
          <span>{user.name}</span>
          <button className="secondary" onClick={onLogout}>Uitloggen</button>
        </div>
      </header>
      <main className="mr-main">{content}</main>
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
