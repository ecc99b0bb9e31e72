import { useState } from 'react';
import { api, unwrap } from '../api/client';
import { Listing } from '../components/table';
import { TokenBadge } from '../components/token';
import {
  Badge,
  ConfirmDialog,
  ErrorMessage,
  Facts,
  Loading,
  PageTitle,
  formatDuration,
  formatTime,
  useAction,
  useLoad,
} from '../components/ui';
import { Link } from '../router';
import { KIND_LABELS } from './AccountsPage';

interface Props {
  componentAppid: string;
  authorizerAppid: string;
}

/** One account: profile, permission sets, token health, history, refresh log, events. */
export function AccountPage(props: Props) {
  const path = { componentAppid: props.componentAppid, authorizerAppid: props.authorizerAppid };
  const detail = useLoad(
    () =>
      unwrap(
        api.GET('/v1/components/{componentAppid}/authorizers/{authorizerAppid}', {
          params: { path },
        }),
      ),
    [props.componentAppid, props.authorizerAppid],
  );
  const action = useAction();
  const [confirming, setConfirming] = useState(false);

  if (detail.status === 404) {
    return (
      <>
        <PageTitle>No such account</PageTitle>
        <p>
          No account <code>{props.authorizerAppid}</code> is visible with your key.
        </p>
        <p>
          <Link to="/accounts">Back to the accounts</Link>
        </p>
      </>
    );
  }
  if (detail.error) return <ErrorMessage>{detail.error}</ErrorMessage>;
  if (!detail.data) return <Loading what="the account" />;
  const { authorizer: a, tokenHealth: h } = detail.data;

  const refreshProfile = () =>
    action.run(async () => {
      await unwrap(
        api.POST('/v1/components/{componentAppid}/authorizers/{authorizerAppid}/profile-refresh', {
          params: { path },
        }),
      );
      detail.reload();
      return 'The profile was fetched from WeChat again.';
    }, 'Refreshing the profile failed');
  const detach = () =>
    action.run(async () => {
      await unwrap(
        api.POST('/v1/components/{componentAppid}/authorizers/{authorizerAppid}/detach', {
          params: { path },
          body: { confirm: a.authorizerAppid },
        }),
      );
      setConfirming(false);
      detail.reload();
      return 'The account is detached.';
    }, 'Detaching failed');

  return (
    <>
      <p className="crumbs">
        <Link to="/accounts">Accounts</Link> /
      </p>
      <PageTitle>{a.nickName ?? a.authorizerAppid}</PageTitle>
      <p>
        <Badge status={a.status} /> <TokenBadge health={h} />
      </p>
      <div className="actions">
        <button type="button" onClick={() => void refreshProfile()} disabled={action.busy}>
          Refresh profile
        </button>
        <button
          type="button"
          className="danger"
          onClick={() => {
            action.clear();
            setConfirming(true);
          }}
          disabled={action.busy || a.status === 'detached'}
        >
          Detach
        </button>
      </div>
      {action.done && <p role="status">{action.done}</p>}
      {!confirming && <ErrorMessage>{action.error}</ErrorMessage>}
      <ConfirmDialog
        open={confirming}
        title={`Detach ${a.nickName ?? a.authorizerAppid}?`}
        confirmLabel="Detach"
        busy={action.busy}
        error={action.error}
        onCancel={() => {
          setConfirming(false);
          action.clear();
        }}
        onConfirm={() => void detach()}
      >
        <p>
          WeChat offers no way for a platform to remove its own authorization: only the
          account&apos;s owner can, in WeChat&apos;s admin console.
        </p>
        <p>
          Detaching is what this platform can do: it erases the account&apos;s tokens and stops
          refreshing them. The account keeps its record and history and shows as detached until its
          owner authorizes the platform again.
        </p>
      </ConfirmDialog>

      <div className="grid-2">
        <section aria-labelledby="profile-h" className="panel">
          <h2 id="profile-h">Profile</h2>
          <Facts
            items={[
              ['Appid', <code key="appid">{a.authorizerAppid}</code>],
              ['Kind', a.accountKind ? KIND_LABELS[a.accountKind] : null],
              ['Tenant', a.tenantId],
              ['Component', <code key="c">{a.componentAppid}</code>],
              ['User name', a.userName],
              ['Alias', a.alias],
              ['Principal', a.principalName],
              ['Signature', a.signature],
              ['Authorized', formatTime(a.authorizedAt)],
              ['Profile fetched', formatTime(a.profileRefreshedAt)],
              ['Revoked', a.revokedAt ? formatTime(a.revokedAt) : null],
            ]}
          />
        </section>
        <section aria-labelledby="token-h" className="panel">
          <h2 id="token-h">Token health</h2>
          {h ? (
            <Facts
              items={[
                ['Access token', h.hasAccessToken ? 'stored' : 'none'],
                ['Refresh token', h.hasRefreshToken ? 'stored' : 'none'],
                [
                  'Expires',
                  h.expiresAt
                    ? `${formatTime(h.expiresAt)}${h.expiresInSec !== null ? ` (${h.expiresInSec > 0 ? 'in ' : ''}${formatDuration(h.expiresInSec)}${h.expiresInSec <= 0 ? ' ago' : ''})` : ''}`
                    : null,
                ],
                ['Next refresh', formatTime(h.nextRefreshAt)],
                ['Last refresh', formatTime(h.lastRefreshAt)],
                ['Failed refreshes', String(h.failures)],
                ['Last errcode', h.lastErrcode !== null ? String(h.lastErrcode) : null],
                ['Refreshing', h.paused ? 'paused' : 'on schedule'],
              ]}
            />
          ) : (
            <p>No token was ever stored for this account.</p>
          )}
          <p className="muted small">Tokens themselves are never shown.</p>
        </section>
      </div>

      <section aria-labelledby="sets-h" className="panel">
        <h2 id="sets-h">Permission sets</h2>
        {a.permissionSets.length === 0 ? (
          <p>None.</p>
        ) : (
          <ul className="chips" aria-label="Permission sets">
            {a.permissionSets.map((s) => (
              <li key={s.id}>
                {s.name ?? 'Permission set'} <span className="muted">#{s.id}</span>
              </li>
            ))}
          </ul>
        )}
      </section>

      <AccountLogs {...path} />
    </>
  );
}

function AccountLogs(path: Props) {
  const params = { params: { path } };
  const history = useLoad(
    () =>
      unwrap(
        api.GET('/v1/components/{componentAppid}/authorizers/{authorizerAppid}/history', params),
      ),
    [path.componentAppid, path.authorizerAppid],
  );
  const refreshes = useLoad(
    () =>
      unwrap(
        api.GET(
          '/v1/components/{componentAppid}/authorizers/{authorizerAppid}/refresh-log',
          params,
        ),
      ),
    [path.componentAppid, path.authorizerAppid],
  );
  const events = useLoad(
    () =>
      unwrap(
        api.GET('/v1/components/{componentAppid}/authorizers/{authorizerAppid}/events', params),
      ),
    [path.componentAppid, path.authorizerAppid],
  );
  return (
    <>
      <section aria-labelledby="history-h" className="panel">
        <h2 id="history-h">History</h2>
        <Listing
          load={history}
          items={(data) => data.items}
          empty={<p>No changes recorded.</p>}
          scroll
          rowKey={(_, i) => i}
          columns={[
            { label: 'When', cell: (e) => formatTime(e.at) },
            { label: 'What', cell: (e) => e.action },
            {
              label: 'Cause',
              cell: (e) => (
                <>
                  {e.cause} <span className="muted">({e.actor})</span>
                </>
              ),
            },
            {
              label: 'Changes',
              className: 'small',
              cell: (e) =>
                `${Object.keys(e.changes).join(', ') || '—'}${e.note ? ` · ${e.note}` : ''}`,
            },
          ]}
        />
      </section>
      <section aria-labelledby="refresh-h" className="panel">
        <h2 id="refresh-h">Refresh log</h2>
        <Listing
          load={refreshes}
          items={(data) => data.items}
          empty={<p>No refresh yet.</p>}
          rowKey={(_, i) => i}
          columns={[
            { label: 'When', cell: (r) => formatTime(r.at) },
            { label: 'Trigger', cell: (r) => r.trigger },
            {
              label: 'Result',
              cell: (r) => <Badge status={r.result === 'ok' ? 'ok' : 'failed'} label={r.result} />,
            },
            { label: 'Errcode', cell: (r) => r.errcode ?? '—' },
            { label: 'Took', cell: (r) => `${r.durationMs} ms` },
          ]}
        />
      </section>
      <section aria-labelledby="events-h" className="panel">
        <h2 id="events-h">Authorization events</h2>
        <Listing
          load={events}
          items={(data) => data.items}
          empty={<p>No authorization push received.</p>}
          rowKey={(e) => e.id}
          columns={[
            { label: 'Sent by WeChat', cell: (e) => formatTime(e.createTime) },
            { label: 'InfoType', cell: (e) => e.infoType },
            { label: 'Outcome', cell: (e) => <Badge status={e.disposition} /> },
            { label: 'Note', cell: (e) => e.note ?? '—' },
          ]}
        />
      </section>
    </>
  );
}
