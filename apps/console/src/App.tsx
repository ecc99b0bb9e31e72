import { useEffect, useRef, useState, type ReactNode } from 'react';
import { KEY_REFUSED, api, apiKey, describeError, unwrap, type Me } from './api/client';
import { MeContext } from './me';
import { Link, navigate, usePath } from './router';
import { AccountPage } from './pages/AccountPage';
import { AccountsPage } from './pages/AccountsPage';
import { ConnectedPage } from './pages/ConnectedPage';
import { ConnectPage } from './pages/ConnectPage';
import { KeysPage } from './pages/KeysPage';
import { OverviewPage } from './pages/OverviewPage';
import { PushesPage } from './pages/PushesPage';
import { QuotaPage } from './pages/QuotaPage';
import { SignInPage } from './pages/SignInPage';
import { TenantsPage } from './pages/TenantsPage';

interface NavItem {
  to: string;
  label: string;
  operatorOnly?: boolean;
}

const NAV: NavItem[] = [
  { to: '/', label: 'Overview' },
  { to: '/accounts', label: 'Accounts' },
  { to: '/connect', label: 'Connect an account' },
  { to: '/pushes', label: 'Pushes & jobs' },
  { to: '/tenants', label: 'Tenants', operatorOnly: true },
  { to: '/keys', label: 'API keys', operatorOnly: true },
  { to: '/quota', label: 'Quota', operatorOnly: true },
];

function route(path: string, me: Me): ReactNode {
  const account = /^\/accounts\/([^/]+)\/([^/]+)$/.exec(path);
  if (account) return <AccountPage componentAppid={account[1]} authorizerAppid={account[2]} />;
  const operator = me.kind === 'operator';
  switch (path) {
    case '/':
      return <OverviewPage />;
    case '/accounts':
      return <AccountsPage />;
    case '/connect':
      return <ConnectPage />;
    case '/pushes':
      return <PushesPage />;
    case '/tenants':
      return operator ? <TenantsPage /> : <NotFound />;
    case '/keys':
      return operator ? <KeysPage /> : <NotFound />;
    case '/quota':
      return operator ? <QuotaPage /> : <NotFound />;
    default:
      return <NotFound />;
  }
}

function NotFound() {
  return (
    <>
      <h1>No such page</h1>
      <p>
        <Link to="/">Back to the overview</Link>
      </p>
    </>
  );
}

export function App() {
  const path = usePath();
  const [me, setMe] = useState<Me | null>(null);
  const [checking, setChecking] = useState(() => apiKey.get() !== null);
  const [notice, setNotice] = useState<string>();

  useEffect(() => {
    if (apiKey.get() === null) return;
    unwrap(api.GET('/v1/me'))
      .then((who) => {
        if (who.kind === 'service') throw new Error('service key');
        setMe(who);
      })
      .catch((error: unknown) => {
        apiKey.clear();
        setNotice(`Your session ended: ${describeError(error)}`);
      })
      .finally(() => setChecking(false));
  }, []);

  // A key revoked or expired while in use: back to the sign-in, saying why.
  useEffect(() => {
    const refused = () => {
      apiKey.clear();
      setMe(null);
      setNotice('The platform no longer accepts your key (revoked or expired): sign in again.');
    };
    window.addEventListener(KEY_REFUSED, refused);
    return () => window.removeEventListener(KEY_REFUSED, refused);
  }, []);

  // The page the account owner lands on after WeChat: no sign-in needed.
  if (path === '/connected') return <ConnectedPage />;
  if (checking) {
    return (
      <main className="signin">
        <p role="status">Checking your key…</p>
      </main>
    );
  }
  if (!me) {
    return (
      <SignInPage
        notice={notice}
        onSignedIn={(who) => {
          setNotice(undefined);
          setMe(who);
        }}
      />
    );
  }
  const signOut = () => {
    apiKey.clear();
    setMe(null);
    setNotice('You are signed out.');
    navigate('/');
  };
  return (
    <MeContext.Provider value={me}>
      <Shell me={me} path={path} onSignOut={signOut}>
        {route(path, me)}
      </Shell>
    </MeContext.Provider>
  );
}

function Shell(props: { me: Me; path: string; onSignOut: () => void; children: ReactNode }) {
  const [menuOpen, setMenuOpen] = useState(false);
  const firstPath = useRef(props.path);
  // After moving to another page, keyboard and screen-reader users start at its content.
  useEffect(() => {
    if (props.path !== firstPath.current) document.getElementById('main')?.focus();
    firstPath.current = '';
  }, [props.path]);
  const items = NAV.filter((item) => !item.operatorOnly || props.me.kind === 'operator');
  const active = (to: string) =>
    to === '/' ? props.path === '/' : props.path === to || props.path.startsWith(`${to}/`);
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="brand">
          <Link to="/">WeChat platform console</Link>
        </div>
        <button
          type="button"
          className="menu-button"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          onClick={() => setMenuOpen((open) => !open)}
        >
          Menu
        </button>
        <nav id="main-nav" aria-label="Main" className={menuOpen ? 'open' : undefined}>
          <ul>
            {items.map((item) => (
              <li key={item.to}>
                <Link
                  to={item.to}
                  aria-current={active(item.to) ? 'page' : undefined}
                  onClick={() => setMenuOpen(false)}
                >
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <span data-testid="who">
            {props.me.kind === 'operator' ? 'Operator' : `Tenant ${props.me.tenantId ?? ''}`}
            <span className="muted mono small"> · {props.me.displayPrefix.slice(0, 10)}…</span>
          </span>
          <button type="button" onClick={props.onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {props.children}
      </main>
    </>
  );
}
