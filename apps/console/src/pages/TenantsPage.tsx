import { useState, type FormEvent } from 'react';
import { api, describeError, unwrap, type Schemas } from '../api/client';
import { ErrorMessage, Loading, PageTitle, formatTime, useLoad } from '../components/ui';

type Tenant = Schemas['TenantDto'];

const lines = (text: string) =>
  text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** Operators: tenants and their settings. */
export function TenantsPage() {
  const tenants = useLoad(() => unwrap(api.GET('/v1/tenants')), []);
  const [editing, setEditing] = useState<string>();
  return (
    <>
      <PageTitle>Tenants</PageTitle>
      <CreateTenant onCreated={() => tenants.reload()} />
      <section aria-labelledby="tenants-h">
        <h2 id="tenants-h">All tenants</h2>
        <ErrorMessage>{tenants.error}</ErrorMessage>
        {tenants.loading && !tenants.data && <Loading what="tenants" />}
        {tenants.data &&
          (tenants.data.items.length === 0 ? (
            <p className="empty">No tenant yet.</p>
          ) : (
            <table className="stack" aria-label="Tenants">
              <thead>
                <tr>
                  <th scope="col">Id</th>
                  <th scope="col">Name</th>
                  <th scope="col">Return URL prefixes</th>
                  <th scope="col">JS-SDK domains</th>
                  <th scope="col">Created</th>
                  <th scope="col">Settings</th>
                </tr>
              </thead>
              <tbody>
                {tenants.data.items.map((t) => (
                  <tr key={t.id} data-tenant={t.id}>
                    <td data-label="Id" className="mono">
                      {t.id}
                    </td>
                    <td data-label="Name">{t.name}</td>
                    <td data-label="Return URL prefixes" className="small">
                      {t.returnUrlPrefixes.join(', ') || '—'}
                    </td>
                    <td data-label="JS-SDK domains" className="small">
                      {t.jssdkDomains.join(', ') || '—'}
                    </td>
                    <td data-label="Created">{formatTime(t.createdAt)}</td>
                    <td data-label="Settings">
                      <button
                        type="button"
                        aria-expanded={editing === t.id}
                        onClick={() => setEditing(editing === t.id ? undefined : t.id)}
                      >
                        Edit {t.id}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ))}
        {editing && tenants.data && (
          <TenantSettings
            key={editing}
            tenant={tenants.data.items.find((t) => t.id === editing)!}
            onSaved={() => {
              setEditing(undefined);
              tenants.reload();
            }}
          />
        )}
      </section>
    </>
  );
}

function CreateTenant({ onCreated }: { onCreated: () => void }) {
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const [prefixes, setPrefixes] = useState('');
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<string>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    setDone(undefined);
    try {
      const tenant = await unwrap(
        api.POST('/v1/tenants', {
          body: { id: id.trim(), name: name.trim(), returnUrlPrefixes: lines(prefixes) },
        }),
      );
      setDone(`Tenant ${tenant.id} created.`);
      setId('');
      setName('');
      setPrefixes('');
      onCreated();
    } catch (err) {
      setError(describeError(err));
    }
  };
  return (
    <form className="panel form" onSubmit={(e) => void submit(e)} aria-labelledby="new-tenant-h">
      <h2 id="new-tenant-h">New tenant</h2>
      <div className="row">
        <div className="field">
          <label htmlFor="t-id">Id</label>
          <input
            id="t-id"
            required
            placeholder="acme"
            autoComplete="off"
            value={id}
            onChange={(e) => setId(e.target.value)}
          />
        </div>
        <div className="field grow">
          <label htmlFor="t-name">Name</label>
          <input
            id="t-name"
            required
            placeholder="ACME Corp"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </div>
      </div>
      <div className="field">
        <label htmlFor="t-prefixes">Return URL prefixes (one a line, optional)</label>
        <textarea
          id="t-prefixes"
          rows={2}
          value={prefixes}
          onChange={(e) => setPrefixes(e.target.value)}
        />
      </div>
      <ErrorMessage>{error}</ErrorMessage>
      {done && <p role="status">{done}</p>}
      <button type="submit" className="primary">
        Create tenant
      </button>
    </form>
  );
}

function TenantSettings({ tenant, onSaved }: { tenant: Tenant; onSaved: () => void }) {
  const [name, setName] = useState(tenant.name);
  const [prefixes, setPrefixes] = useState(tenant.returnUrlPrefixes.join('\n'));
  const [domains, setDomains] = useState(tenant.jssdkDomains.join('\n'));
  const [error, setError] = useState<string>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await unwrap(
        api.PATCH('/v1/tenants/{tenantId}/settings', {
          params: { path: { tenantId: tenant.id } },
          body: {
            name: name.trim(),
            returnUrlPrefixes: lines(prefixes),
            jssdkDomains: lines(domains),
          },
        }),
      );
      onSaved();
    } catch (err) {
      setError(describeError(err));
    }
  };
  return (
    <form className="panel form" onSubmit={(e) => void submit(e)} aria-labelledby="settings-h">
      <h3 id="settings-h">Settings of {tenant.id}</h3>
      <div className="field">
        <label htmlFor="s-name">Name</label>
        <input id="s-name" value={name} onChange={(e) => setName(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="s-prefixes">Return URL prefixes (one a line)</label>
        <textarea
          id="s-prefixes"
          rows={3}
          value={prefixes}
          onChange={(e) => setPrefixes(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="s-domains">JS-SDK domains (one a line)</label>
        <textarea
          id="s-domains"
          rows={2}
          value={domains}
          onChange={(e) => setDomains(e.target.value)}
        />
      </div>
      <ErrorMessage>{error}</ErrorMessage>
      <button type="submit" className="primary">
        Save settings
      </button>
    </form>
  );
}
