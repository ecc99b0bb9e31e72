import { useState } from 'react';
import { api, describeError, unwrap, type Schemas } from '../api/client';
import { Pager, useCursors } from '../components/pager';
import { DataTable, Listing } from '../components/table';
import { Badge, Field, Loads, PageTitle, formatTime, useLoad } from '../components/ui';
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
  const cursors = useCursors();
  const cursor = cursors.cursor;
  const [infoType, setInfoType] = useState('');
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
      <Loads load={pushes} what="pushes">
        {(data) => (
          <>
            <div className="grid-2">
              <CountList
                title="By InfoType"
                rows={data.infoTypes.map((t) => [t.infoType, t.count])}
              />
              <CountList
                title="Messages by MsgType"
                rows={data.messageTypes.map((t) => [t.msgType, t.count])}
              />
            </div>
            <Field id="p-info-type" label="Show InfoType" className="narrow-field">
              <select
                id="p-info-type"
                value={infoType}
                onChange={(e) => {
                  setInfoType(e.target.value);
                  cursors.restart();
                }}
              >
                <option value="">All</option>
                {[...new Set([infoType, ...data.infoTypes.map((t) => t.infoType)])]
                  .filter((t) => t !== '')
                  .map((t) => (
                    <option key={t} value={t}>
                      {t}
                    </option>
                  ))}
              </select>
            </Field>
            <DataTable
              label="Pushes"
              items={data.items}
              empty="No push received yet."
              rowKey={(p) => p.id}
              columns={[
                { label: 'Received', cell: (p) => formatTime(p.receivedAt) },
                { label: 'InfoType', cell: (p) => p.infoType },
                {
                  label: 'Account',
                  className: 'mono small',
                  cell: (p) => p.authorizerAppid ?? '—',
                },
                {
                  label: 'Outcome',
                  cell: (p) => (
                    <>
                      <Badge status={p.disposition} />
                      {p.note ? <div className="small muted">{p.note}</div> : null}
                    </>
                  ),
                },
                {
                  label: 'Content (redacted)',
                  cell: (p) => (
                    <details>
                      <summary>Show</summary>
                      <pre className="json">{JSON.stringify(p.payload, null, 2)}</pre>
                    </details>
                  ),
                },
              ]}
            />
            <Pager cursors={cursors} next={data.nextCursor} labels={['Newer', 'Older']} />
          </>
        )}
      </Loads>
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
      <Listing
        label="Failed jobs"
        load={jobs}
        status={message}
        items={(data) => data.items}
        empty="No failed job."
        rowKey={(job) => job.id}
        columns={[
          {
            label: 'Job',
            cell: (job) => (
              <>
                {job.kind}
                <div className="muted small mono">{job.id}</div>
              </>
            ),
          },
          { label: 'Failed', cell: (job) => formatTime(job.finishedAt) },
          { label: 'Attempts', cell: (job) => job.attempts },
          { label: 'Error', className: 'small', cell: (job) => job.lastError ?? '—' },
          {
            label: 'Action',
            cell: (job) => (
              <button type="button" onClick={() => void retry(job.id)}>
                Retry
              </button>
            ),
          },
        ]}
      />
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
      <Listing
        label="Failed deliveries"
        load={deliveries}
        status={message}
        loading="deliveries"
        items={(data) => data}
        empty="No failed delivery."
        rowKey={(d) => d.id}
        columns={[
          { label: 'Created', cell: (d) => formatTime(d.createdAt) },
          { label: 'Tenant', cell: (d) => d.tenantId },
          { label: 'What', cell: (d) => `${d.type} ${d.infoType ?? d.msgType ?? d.event ?? ''}` },
          { label: 'Attempts', cell: (d) => d.attempts },
          {
            label: 'Last error',
            className: 'small',
            cell: (d) => d.lastError ?? (d.lastHttpStatus ? `HTTP ${d.lastHttpStatus}` : '—'),
          },
          {
            label: 'Action',
            cell: (d) => (
              <button type="button" onClick={() => void redeliver(d)}>
                Redeliver
              </button>
            ),
          },
        ]}
      />
    </section>
  );
}
