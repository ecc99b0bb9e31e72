import { api, unwrap } from '../api/client';
import { ExpiryHistogram, RefreshChart } from '../components/charts';
import { DataTable } from '../components/table';
import {
  Badge,
  Facts,
  Loads,
  PageTitle,
  formatDuration,
  formatTime,
  useLoad,
} from '../components/ui';
import { useMe } from '../me';

/**
 * The platform at a glance: components (operators), accounts, webhook deliveries, refreshes,
 * errcodes, token expiry.
 */
export function OverviewPage() {
  const me = useMe();
  const insights = useLoad(
    () => unwrap(api.GET('/v1/insights', { params: { query: { hours: 24 } } })),
    [],
  );
  return (
    <>
      <PageTitle>Overview</PageTitle>
      {me.kind === 'operator' && <Components />}
      <section aria-labelledby="insights-h">
        <h2 id="insights-h">
          Last 24 hours{me.kind === 'tenant' ? ` · tenant ${me.tenantId}` : ''}
        </h2>
        <Loads load={insights} what="the last 24 hours">
          {(data) => (
            <>
              <div className="stats">
                <div className="stat">
                  <span className="stat-value">{data.accounts.total}</span>
                  <span className="stat-label">accounts</span>
                </div>
                {data.accounts.byStatus.map((s) => (
                  <div className="stat" key={s.status}>
                    <span className="stat-value">{s.count}</span>
                    <span className="stat-label">
                      <Badge status={s.status} />
                    </span>
                  </div>
                ))}
                <div className="stat">
                  <span className="stat-value">{data.deliveries.failed}</span>
                  <span className="stat-label">deliveries failed</span>
                </div>
                <div className="stat">
                  <span className="stat-value">{data.deliveries.queued}</span>
                  <span className="stat-label">deliveries queued</span>
                </div>
              </div>
              <div className="grid-2">
                <section className="panel" aria-labelledby="refresh-h">
                  <h3 id="refresh-h">Token refreshes</h3>
                  <RefreshChart buckets={data.refreshes} />
                </section>
                <section className="panel" aria-labelledby="expiry-h">
                  <h3 id="expiry-h">Tokens by time left</h3>
                  <ExpiryHistogram buckets={data.tokenExpiry} />
                </section>
              </div>
              <section className="panel" aria-labelledby="errcodes-h">
                <h3 id="errcodes-h">WeChat errcodes</h3>
                <DataTable
                  items={data.errcodes}
                  empty={<p>No errcode from WeChat in this period.</p>}
                  rowKey={(e) => e.errcode}
                  columns={[
                    { label: 'Errcode', cell: (e) => e.errcode },
                    { label: 'Times', cell: (e) => e.count },
                  ]}
                />
              </section>
            </>
          )}
        </Loads>
      </section>
    </>
  );
}

function Components() {
  const components = useLoad(() => unwrap(api.GET('/v1/components')), []);
  return (
    <section aria-labelledby="components-h">
      <h2 id="components-h">Components</h2>
      <Loads load={components} what="components">
        {(data) => (
          <div className="grid-2">
            {data.items.map((c) => (
              <section className="panel" key={c.appid} aria-label={`Component ${c.appid}`}>
                <h3 className="mono">{c.appid}</h3>
                <Facts
                  items={[
                    [
                      'Ticket',
                      !c.ticket.present ? (
                        <Badge status="failed" label="No ticket yet" />
                      ) : (
                        <>
                          <Badge
                            status={c.ticket.stale ? 'needs_reauth' : 'ok'}
                            label={c.ticket.stale ? 'Stale' : 'Fresh'}
                          />{' '}
                          {c.ticket.ageSec !== null ? `${formatDuration(c.ticket.ageSec)} old` : ''}
                          {c.ticket.rejectedErrcode !== null
                            ? ` · rejected (errcode ${c.ticket.rejectedErrcode})`
                            : ''}
                        </>
                      ),
                    ],
                    [
                      'Component token',
                      c.token.present ? `expires ${formatTime(c.token.expiresAt)}` : 'none yet',
                    ],
                    [
                      'Refresh backlog',
                      `${c.refreshBacklog.due} due, ${c.refreshBacklog.failing} failing${c.refreshBacklog.oldestDueAt ? ` (oldest due ${formatTime(c.refreshBacklog.oldestDueAt)})` : ''}`,
                    ],
                    [
                      'Failed jobs',
                      c.failedJobs > 0 ? (
                        <Badge status="failed" label={`${c.failedJobs} failed`} />
                      ) : (
                        'none'
                      ),
                    ],
                    [
                      'Last errcodes',
                      c.lastErrcodes.length === 0
                        ? 'none'
                        : c.lastErrcodes
                            .map(
                              (e) =>
                                `${e.errcode} (${e.accounts} account${e.accounts === 1 ? '' : 's'})`,
                            )
                            .join(', '),
                    ],
                  ]}
                />
              </section>
            ))}
          </div>
        )}
      </Loads>
    </section>
  );
}
