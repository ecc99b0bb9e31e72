import { useState, type FormEvent } from 'react';
import { api, describeError, unwrap, type Schemas } from '../api/client';
import { Listing } from '../components/table';
import { ErrorMessage, PageTitle, TextField, formatTime, useLoad } from '../components/ui';

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
        <Listing
          label="Tenants"
          load={tenants}
          loading="tenants"
          items={(data) => data.items}
          empty="No tenant yet."
          rowKey={(t) => t.id}
          rowData={(t) => ({ 'data-tenant': t.id })}
          columns={[
            { label: 'Id', className: 'mono', cell: (t) => t.id },
            { label: 'Name', cell: (t) => t.name },
            {
              label: 'Return URL prefixes',
              className: 'small',
              cell: (t) => t.returnUrlPrefixes.join(', ') || '—',
            },
            {
              label: 'JS-SDK domains',
              className: 'small',
              cell: (t) => t.jssdkDomains.join(', ') || '—',
            },
            { label: 'Created', cell: (t) => formatTime(t.createdAt) },
            {
              label: 'Settings',
              cell: (t) => (
                <button
                  type="button"
                  aria-expanded={editing === t.id}
                  onClick={() => setEditing(editing === t.id ? undefined : t.id)}
                >
                  Edit {t.id}
                </button>
              ),
            },
          ]}
        />
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
        <TextField
          id="t-id"
          label="Id"
          required
          placeholder="acme"
          autoComplete="off"
          value={id}
          onValue={setId}
        />
        <TextField
          id="t-name"
          label="Name"
          className="grow"
          required
          placeholder="ACME Corp"
          value={name}
          onValue={setName}
        />
      </div>
      <TextField
        id="t-prefixes"
        label="Return URL prefixes (one a line, optional)"
        rows={2}
        value={prefixes}
        onValue={setPrefixes}
      />
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
      <TextField id="s-name" label="Name" value={name} onValue={setName} />
      <TextField
        id="s-prefixes"
        label="Return URL prefixes (one a line)"
        rows={3}
        value={prefixes}
        onValue={setPrefixes}
      />
      <TextField
        id="s-domains"
        label="JS-SDK domains (one a line)"
        rows={2}
        value={domains}
        onValue={setDomains}
      />
      <ErrorMessage>{error}</ErrorMessage>
      <button type="submit" className="primary">
        Save settings
      </button>
    </form>
  );
}
