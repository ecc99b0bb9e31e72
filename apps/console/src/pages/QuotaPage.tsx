import { useState, type FormEvent } from 'react';
import { api, describeError, unwrap, type Schemas } from '../api/client';
import {
  ConfirmDialog,
  ErrorMessage,
  Facts,
  Field,
  PageTitle,
  TextField,
  useAction,
  useLoad,
} from '../components/ui';

/** Operators: an API's daily quota, and a reset (10 a month) after typing the appid. */
export function QuotaPage() {
  const components = useLoad(() => unwrap(api.GET('/v1/components')), []);
  const [component, setComponent] = useState('');
  const [cgiPath, setCgiPath] = useState('/cgi-bin/component/api_component_token');
  const [quota, setQuota] = useState<Schemas['ApiQuotaDto']>();
  const [error, setError] = useState<string>();
  const [target, setTarget] = useState('');
  const [confirming, setConfirming] = useState(false);
  const reset = useAction();
  const componentAppid = component || components.data?.items[0]?.appid || '';
  const resetAppid = target.trim() || componentAppid;

  const look = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    setQuota(undefined);
    try {
      setQuota(
        await unwrap(
          api.GET('/v1/components/{componentAppid}/quota', {
            params: { path: { componentAppid }, query: { cgiPath } },
          }),
        ),
      );
    } catch (err) {
      setError(describeError(err));
    }
  };
  const doReset = () =>
    reset.run(async () => {
      const result = await unwrap(
        api.POST('/v1/components/{componentAppid}/quota/reset', {
          params: { path: { componentAppid } },
          body: { appid: target.trim() || undefined, confirm: resetAppid },
        }),
      );
      setConfirming(false);
      return `Reset ${result.targetAppid}: ${result.resetsUsed} used in ${result.month}, ${result.resetsRemaining} left.`;
    });

  return (
    <>
      <PageTitle>Quota</PageTitle>
      <form className="panel form" onSubmit={(e) => void look(e)} aria-labelledby="quota-h">
        <h2 id="quota-h">Daily quota of an API</h2>
        <div className="row">
          <Field id="q-component" label="Component">
            <select
              id="q-component"
              value={componentAppid}
              onChange={(e) => setComponent(e.target.value)}
            >
              {(components.data?.items ?? []).map((c) => (
                <option key={c.appid} value={c.appid}>
                  {c.appid}
                </option>
              ))}
            </select>
          </Field>
          <TextField
            id="q-path"
            label="API path (cgiPath)"
            className="grow"
            required
            spellCheck={false}
            value={cgiPath}
            onValue={setCgiPath}
          />
        </div>
        <ErrorMessage>{components.error ?? error}</ErrorMessage>
        <button type="submit" className="primary" disabled={!componentAppid}>
          Look up
        </button>
        {quota && (
          <Facts
            items={[
              ['Daily limit', String(quota.dailyLimit)],
              ['Used today', String(quota.used)],
              ['Remaining', String(quota.remain)],
              [
                'Rate limit',
                quota.rateLimit
                  ? `${quota.rateLimit.callCount} calls / ${quota.rateLimit.refreshSecond} s`
                  : null,
              ],
            ]}
          />
        )}
      </form>
      <section className="panel form" aria-labelledby="reset-h">
        <h2 id="reset-h">Reset call counts</h2>
        <p>
          <code>clear_quota/v2</code> resets all the call counts of the component or of one of its
          accounts. WeChat allows 10 resets a month per account.
        </p>
        <TextField
          id="q-target"
          label="Account appid (empty: the component itself)"
          placeholder={componentAppid}
          spellCheck={false}
          value={target}
          onValue={setTarget}
        />
        {reset.done && <p role="status">{reset.done}</p>}
        <button
          type="button"
          className="danger"
          disabled={!componentAppid}
          onClick={() => {
            reset.clear();
            setConfirming(true);
          }}
        >
          Reset the quota…
        </button>
      </section>
      <ConfirmDialog
        open={confirming}
        title="Reset the call counts?"
        confirmLabel="Reset"
        typeToConfirm={resetAppid}
        busy={reset.busy}
        error={reset.error}
        onCancel={() => setConfirming(false)}
        onConfirm={() => void doReset()}
      >
        <p>
          This spends one of the 10 resets this month for <code>{resetAppid}</code>.
        </p>
      </ConfirmDialog>
    </>
  );
}
