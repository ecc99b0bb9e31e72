import { useState, type FormEvent } from 'react';
import { api, apiKey, describeError, unwrap, type Me } from '../api/client';
import { ErrorMessage, PageTitle } from '../components/ui';

/** Sign in with an operator or tenant API key, checked with GET /v1/me. */
export function SignInPage(props: { notice?: string; onSignedIn: (me: Me) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const candidate = key.trim();
    if (!candidate) {
      setError('Paste an API key first.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const me = await unwrap(
        api.GET('/v1/me', { headers: { Authorization: `Bearer ${candidate}` } }),
      );
      if (me.kind === 'service') {
        setError(
          'A service key cannot sign in to the console: it only reads tokens. Use an operator key (wop_op_…) or a tenant key (wop_tn_…).',
        );
        return;
      }
      apiKey.set(candidate);
      setKey('');
      props.onSignedIn(me);
    } catch (err) {
      setError(`This key was refused: ${describeError(err)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin" id="main">
      <div className="card">
        <PageTitle>Sign in</PageTitle>
        <p>
          Paste an operator key (<code>wop_op_…</code>) or a tenant key (<code>wop_tn_…</code>). It
          stays in this tab only (session storage) and is sent to the platform&apos;s API, never put
          in a URL.
        </p>
        {props.notice && <p role="status">{props.notice}</p>}
        <form onSubmit={(e) => void submit(e)}>
          <label htmlFor="api-key">API key</label>
          <input
            id="api-key"
            name="api-key"
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={key}
            onChange={(e) => setKey(e.target.value)}
            aria-describedby="api-key-help"
          />
          <p id="api-key-help" className="muted small">
            <code>npm start</code> in sandbox mode prints a demo operator key.
          </p>
          <ErrorMessage>{error}</ErrorMessage>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Checking…' : 'Sign in'}
          </button>
        </form>
      </div>
    </main>
  );
}
