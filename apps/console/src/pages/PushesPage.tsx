import { useState } from 'react';
import { api, describeError, unwrap, type Schemas } from '../api/client';
import { Badge, ErrorMessage, Loading, PageTitle, formatTime, useLoad } from '../components/ui';
import { useMe } from '../me';

/** Recent pushes and messages, failed jobs (operators) and failed webhook deliveries. */
export function PushesPage() {
  const me = useMe();
  return (
    <>
      <PageTitle>Pushes &amp; jobs</PageTitle>
      <Pushes />
      {me.kind === 'operator' && <FailedJobs />}
      <FailedDeliveries />
    </>
  );
}

function Pushes() {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [infoType, setInfoType] = useState('');
  const cursor = cursors[cursors.length - 1];
  const pushes = useLoad(
    () =>
      unwrap(
        api.GET('/v1/pushes', {
          params: { query: { limit: 20, cursor, infoType: infoType || undefined } },
        }),
      ),
    [cursor, infoType],
  );
  return (
    <section aria-labelledby="pushes-h">
      <h2 id="pushes-h">Recent pushes from WeChat</h2>
      <ErrorMessage>{pushes.error}</ErrorMessage>
      {pushes.loading && !pushes.data && <Loading what="pushes" />}
      {pushes.data && (
        <>
          <div className="grid-2">
            <CountList
              title="By InfoType"
              rows={pushes.data.infoTypes.map((t) => [t.infoType, t.count])}
            />
            <CountList
              title="Messages by MsgType"
              rows={pushes.data.messageTypes.map((t) => [t.msgType, t.count])}
            />
          </div>
          <div className="field narrow-field">
            <label htmlFor="p-info-type">Show InfoType</label>
            <select
              id="p-info-type"
              value={infoType}
              onChange={(e) => {
                setInfoType(e.target.value);
                setCursors([undefined]);
              }}
            >
              <option value="">All</option>
              {[...new Set([infoType, ...pushes.data.infoTypes.map((t) => t.infoType)])]
                .filter((t) => t !== '')
                .map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
            </select>
          </div>
          {pushes.data.items.length === 0 ? (
            <p className="empty">No push received yet.</p>
          ) : (
            <table className="stack" aria-label="Pushes">
              <thead>
                <tr>
                  <th scope="col">Received</th>
                  <th scope="col">InfoType</th>
                  <th scope="col">Account</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Content (redacted)</th>
                </tr>
              </thead>
              <tbody>
                {pushes.data.items.map((p) => (
                  <tr key={p.id}>
                    <td data-label="Received">{formatTime(p.receivedAt)}</td>
                    <td data-label="InfoType">{p.infoType}</td>
                    <td data-label="Account" className="mono small">
                      {p.authorizerAppid ?? '—'}
                    </td>
                    <td data-label="Outcome">
                      <Badge status={p.disposition} />
                      {p.note ? <div className="small muted">{p.note}</div> : null}
                    </td>
                    <td data-label="Content (redacted)">
                      <details>
                        <summary>Show</summary>
                        <pre className="json">{JSON.stringify(p.payload, null, 2)}</pre>
                      </details>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <div className="pager">
            <button
              type="button"
              disabled={cursors.length === 1}
              onClick={() => setCursors((c) => c.slice(0, -1))}
            >
              Newer
            </button>
            <button
              type="button"
              disabled={!pushes.data.nextCursor}
              onClick={() => {
                const next = pushes.data?.nextCursor;
                if (next) setCursors((c) => [...c, next]);
              }}
            >
              Older
            </button>
          </div>
        </>
      )}
    </section>
  );
}

function CountList({ title, rows }: { title: string; rows: [string, number][] }) {
  return (
    <section className="panel" aria-label={title}>
      <h3>{title}</h3>
      {rows.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <ul className="counts">
          {rows.map(([name, count]) => (
            <li key={name}>
              <span>{name}</span> <strong>{count}</strong>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function FailedJobs() {
  const jobs = useLoad(
    () => unwrap(api.GET('/v1/jobs', { params: { query: { status: 'failed' } } })),
    [],
  );
  const [message, setMessage] = useState<string>();
  const retry = async (jobId: string) => {
    try {
      await unwrap(api.POST('/v1/jobs/{jobId}/retry', { params: { path: { jobId } } }));
      setMessage(`Job ${jobId} is queued again.`);
      jobs.reload();
    } catch (error) {
      setMessage(`Retrying failed: ${describeError(error)}`);
    }
  };
  return (
    <section aria-labelledby="jobs-h">
      <h2 id="jobs-h">Failed jobs</h2>
      <ErrorMessage>{jobs.error}</ErrorMessage>
      {message && <p role="status">{message}</p>}
      {jobs.data &&
        (jobs.data.items.length === 0 ? (
          <p className="empty">No failed job.</p>
        ) : (
          <table className="stack" aria-label="Failed jobs">
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Failed</th>
                <th scope="col">Attempts</th>
                <th scope="col">Error</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {jobs.data.items.map((job) => (
                <tr key={job.id}>
                  <td data-label="Job">
                    {job.kind}
                    <div className="muted small mono">{job.id}</div>
                  </td>
                  <td data-label="Failed">{formatTime(job.finishedAt)}</td>
                  <td data-label="Attempts">{job.attempts}</td>
                  <td data-label="Error" className="small">
                    {job.lastError ?? '—'}
                  </td>
                  <td data-label="Action">
                    <button type="button" onClick={() => void retry(job.id)}>
                      Retry
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
    </section>
  );
}

type Delivery = Schemas['DeliveryDto'] & { tenantId: string };

function FailedDeliveries() {
  const me = useMe();
  const [message, setMessage] = useState<string>();
  const deliveries = useLoad(async () => {
    const tenantIds =
      me.kind === 'operator'
        ? (await unwrap(api.GET('/v1/tenants'))).items.map((t) => t.id)
        : [me.tenantId ?? ''];
    const found: Delivery[] = [];
    for (const tenantId of tenantIds) {
      const hooks = await unwrap(
        api.GET('/v1/tenants/{tenantId}/webhooks', { params: { path: { tenantId } } }),
      );
      for (const hook of hooks.items) {
        const page = await unwrap(
          api.GET('/v1/tenants/{tenantId}/webhooks/{webhookId}/deliveries', {
            params: { path: { tenantId, webhookId: hook.id }, query: { status: ['dead'] } },
          }),
        );
        found.push(...page.items.map((d) => ({ ...d, tenantId })));
      }
    }
    return found;
  }, [me.kind, me.tenantId]);
  const redeliver = async (d: Delivery) => {
    try {
      await unwrap(
        api.POST('/v1/tenants/{tenantId}/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver', {
          params: { path: { tenantId: d.tenantId, webhookId: d.webhookId, deliveryId: d.id } },
        }),
      );
      setMessage('The delivery is queued again.');
      deliveries.reload();
    } catch (error) {
      setMessage(`Redelivering failed: ${describeError(error)}`);
    }
  };
  return (
    <section aria-labelledby="deliveries-h">
      <h2 id="deliveries-h">Failed webhook deliveries</h2>
      <ErrorMessage>{deliveries.error}</ErrorMessage>
      {message && <p role="status">{message}</p>}
      {deliveries.loading && !deliveries.data && <Loading what="deliveries" />}
      {deliveries.data &&
        (deliveries.data.length === 0 ? (
          <p className="empty">No failed delivery.</p>
        ) : (
          <table className="stack" aria-label="Failed deliveries">
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">Tenant</th>
                <th scope="col">What</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last error</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {deliveries.data.map((d) => (
                <tr key={d.id}>
                  <td data-label="Created">{formatTime(d.createdAt)}</td>
                  <td data-label="Tenant">{d.tenantId}</td>
                  <td data-label="What">
                    {d.type} {d.infoType ?? d.msgType ?? d.event ?? ''}
                  </td>
                  <td data-label="Attempts">{d.attempts}</td>
                  <td data-label="Last error" className="small">
                    {d.lastError ?? (d.lastHttpStatus ? `HTTP ${d.lastHttpStatus}` : '—')}
                  </td>
                  <td data-label="Action">
                    <button type="button" onClick={() => void redeliver(d)}>
                      Redeliver
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
    </section>
  );
}
