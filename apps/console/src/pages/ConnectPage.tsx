import { useEffect, useState, type FormEvent } from 'react';
import { api, describeError, unwrap, type Schemas } from '../api/client';
import {
  Badge,
  ErrorMessage,
  Field,
  PageTitle,
  TextField,
  formatTime,
  useLoad,
} from '../components/ui';
import { useMe } from '../me';
import { Link } from '../router';
import { accountPath } from './AccountsPage';

type AuthType = NonNullable<Schemas['CreateAuthorizationSessionDto']['authType']>;
type Session = Schemas['AuthorizationSessionDto'];
type SessionState = Schemas['AuthorizationSessionStatusDto'];

const AUTH_TYPES: { value: AuthType; label: string }[] = [
  { value: 3, label: 'Official accounts and mini programs' },
  { value: 1, label: 'Official accounts only' },
  { value: 2, label: 'Mini programs only' },
  { value: 6, label: 'All (official accounts, mini programs, Channels)' },
  { value: 5, label: 'Channels accounts' },
  { value: 4, label: 'Mini program promoter accounts' },
  { value: 8, label: 'Sales assistant accounts' },
];
const KINDS: { value: 'pc' | 'mobile'; label: string }[] = [
  { value: 'pc', label: 'On a computer (WeChat shows a QR code to scan)' },
  { value: 'mobile', label: 'In WeChat on a phone' },
];
const POLL_MS = 2000;

/** A link and QR code for an account owner; the new account appears when they authorize. */
export function ConnectPage() {
  const me = useMe();
  const tenants = useLoad(
    () =>
      me.kind === 'operator'
        ? unwrap(api.GET('/v1/tenants')).then((t) => t.items)
        : Promise.resolve([]),
    [me.kind],
  );
  const [tenantId, setTenantId] = useState('');
  const [kind, setKind] = useState<'pc' | 'mobile'>('pc');
  const [authType, setAuthType] = useState<AuthType>(3);
  const [bizAppid, setBizAppid] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [session, setSession] = useState<Session>();

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setSession(undefined);
    try {
      // No returnUrl: the platform sends the owner to /console/connected afterwards.
      setSession(
        await unwrap(
          api.POST('/v1/authorization-sessions', {
            body: {
              kind,
              authType,
              bizAppid: bizAppid.trim() || undefined,
              tenantId: me.kind === 'operator' ? tenantId || undefined : undefined,
            },
          }),
        ),
      );
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <PageTitle>Connect an account</PageTitle>
      <p>
        Make an authorization link for the account&apos;s owner: they open it (or scan its QR code
        in WeChat), pick the account and authorize this platform.
      </p>
      <form className="panel form" onSubmit={(e) => void create(e)}>
        {me.kind === 'operator' && (
          <Field id="c-tenant" label="Tenant the account joins">
            <select
              id="c-tenant"
              required
              value={tenantId}
              onChange={(e) => setTenantId(e.target.value)}
            >
              <option value="">Choose a tenant…</option>
              {(tenants.data ?? []).map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name} ({t.id})
                </option>
              ))}
            </select>
            <ErrorMessage>{tenants.error}</ErrorMessage>
          </Field>
        )}
        <fieldset>
          <legend>Where the owner authorizes</legend>
          {KINDS.map((k) => (
            <label className="inline" key={k.value}>
              <input
                type="radio"
                name="kind"
                value={k.value}
                checked={kind === k.value}
                onChange={() => setKind(k.value)}
              />{' '}
              {k.label}
            </label>
          ))}
        </fieldset>
        <Field id="c-auth-type" label="Accounts that may authorize">
          <select
            id="c-auth-type"
            value={authType}
            onChange={(e) => setAuthType(Number(e.target.value) as AuthType)}
          >
            {AUTH_TYPES.map((t) => (
              <option key={t.value} value={t.value}>
                {t.label}
              </option>
            ))}
          </select>
        </Field>
        <TextField
          id="c-biz"
          label="Only this account (appid, optional)"
          placeholder="wx…"
          autoComplete="off"
          spellCheck={false}
          value={bizAppid}
          onValue={setBizAppid}
        />
        <ErrorMessage>{error}</ErrorMessage>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create the link'}
        </button>
      </form>
      {session && <SessionPanel key={session.sessionId} session={session} />}
    </>
  );
}

function SessionPanel({ session }: { session: Session }) {
  const [state, setState] = useState<SessionState>();
  const [pollError, setPollError] = useState<string>();
  const finished = state !== undefined && state.status !== 'created' && state.status !== 'opened';

  useEffect(() => {
    if (finished) return;
    let live = true;
    const poll = async () => {
      try {
        const next = await unwrap(
          api.GET('/v1/authorization-sessions/{sessionId}', {
            params: { path: { sessionId: session.sessionId } },
          }),
        );
        if (live) {
          setState(next);
          setPollError(undefined);
        }
      } catch (err) {
        if (live) setPollError(describeError(err));
      }
    };
    void poll();
    const timer = window.setInterval(() => void poll(), POLL_MS);
    return () => {
      live = false;
      window.clearInterval(timer);
    };
  }, [session.sessionId, finished]);

  return (
    <section className="panel session" aria-labelledby="session-h">
      <h2 id="session-h">Authorization link</h2>
      <div className="session-body">
        <figure className="qr">
          <img
            src={session.qrPngDataUrl}
            alt="QR code of the authorization link"
            width={200}
            height={200}
          />
          <figcaption className="small muted">Scan in WeChat, or open the link.</figcaption>
        </figure>
        <div>
          <p>
            <a href={session.entryUrl} target="_blank" rel="noopener noreferrer" id="entry-link">
              Open the authorization page
            </a>{' '}
            <span className="muted small">(opens in a new tab)</span>
          </p>
          <p className="small">
            <label htmlFor="entry-url">Link to send</label>
            <input
              id="entry-url"
              readOnly
              value={session.entryUrl}
              onFocus={(e) => e.target.select()}
            />
          </p>
          <p className="small muted">
            For tenant {session.tenantId} · valid until {formatTime(session.expiresAt)}
          </p>
          <div aria-live="polite" data-testid="session-status">
            {!state && <p>Waiting for the owner…</p>}
            {state && (
              <p>
                Status: <Badge status={state.status} />
                {state.status === 'created' && ' — waiting for the owner to open the link'}
                {state.status === 'opened' && ' — the owner is on WeChat’s page'}
              </p>
            )}
            {state?.status === 'completed' && state.authorizerAppid && (
              <p className="success">
                Connected: account <code>{state.authorizerAppid}</code>.{' '}
                <Link
                  to={accountPath({
                    componentAppid: state.componentAppid,
                    authorizerAppid: state.authorizerAppid,
                  })}
                >
                  Open the account
                </Link>
              </p>
            )}
            {state && (state.status === 'refused' || state.status === 'expired') && (
              <p>{state.outcome ?? 'The link can no longer be used: create another one.'}</p>
            )}
            <ErrorMessage>{pollError}</ErrorMessage>
          </div>
        </div>
      </div>
    </section>
  );
}
