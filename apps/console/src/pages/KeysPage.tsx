import { useState, type FormEvent } from 'react';
import { api, describeError, unwrap, type Schemas } from '../api/client';
import { Listing } from '../components/table';
import {
  Badge,
  ConfirmDialog,
  ErrorMessage,
  Field,
  PageTitle,
  TextField,
  formatTime,
  useAction,
  useLoad,
} from '../components/ui';

type Key = Schemas['ApiKeyDto'];
type Kind = Key['kind'];

/** Operators: API keys (create: the secret shown once; list; revoke). */
export function KeysPage() {
  const keys = useLoad(() => unwrap(api.GET('/v1/keys')), []);
  const [revoking, setRevoking] = useState<Key>();
  const revokeState = useAction();
  const revoke = async () => {
    if (!revoking) return;
    await revokeState.run(async () => {
      await unwrap(api.DELETE('/v1/keys/{keyId}', { params: { path: { keyId: revoking.id } } }));
      setRevoking(undefined);
      keys.reload();
    });
  };
  return (
    <>
      <PageTitle>API keys</PageTitle>
      <CreateKey onCreated={() => keys.reload()} />
      <section aria-labelledby="keys-h">
        <h2 id="keys-h">Keys</h2>
        <Listing
          label="API keys"
          load={keys}
          loading="keys"
          items={(data) => data.items}
          rowKey={(k) => k.id}
          columns={[
            { label: 'Name', cell: (k) => k.name },
            { label: 'Kind', cell: (k) => k.kind },
            { label: 'Prefix', className: 'mono small', cell: (k) => `${k.prefix}…` },
            { label: 'Tenant', cell: (k) => k.tenantId ?? '—' },
            {
              label: 'Last used',
              cell: (k) => (k.lastUsedAt ? formatTime(k.lastUsedAt) : 'never'),
            },
            {
              label: 'State',
              cell: (k) =>
                k.revokedAt ? <Badge status="revoked" /> : <Badge status="ok" label="Active" />,
            },
            {
              label: 'Action',
              cell: (k) =>
                !k.revokedAt && (
                  <button type="button" className="danger" onClick={() => setRevoking(k)}>
                    Revoke {k.name}
                  </button>
                ),
            },
          ]}
        />
      </section>
      <ConfirmDialog
        open={revoking !== undefined}
        title={`Revoke the key “${revoking?.name ?? ''}”?`}
        confirmLabel="Revoke"
        busy={revokeState.busy}
        error={revokeState.error}
        onCancel={() => {
          setRevoking(undefined);
          revokeState.clear();
        }}
        onConfirm={() => void revoke()}
      >
        <p>
          Every request with the key <code>{revoking?.prefix}…</code> is refused from now on. This
          cannot be undone: create a new key instead.
        </p>
      </ConfirmDialog>
    </>
  );
}

function CreateKey({ onCreated }: { onCreated: () => void }) {
  const [kind, setKind] = useState<Kind>('tenant');
  const [name, setName] = useState('');
  const [tenantId, setTenantId] = useState('');
  const [error, setError] = useState<string>();
  const [created, setCreated] = useState<Schemas['CreatedApiKeyDto']>();
  const [copied, setCopied] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    setCreated(undefined);
    setCopied(false);
    try {
      const result = await unwrap(
        api.POST('/v1/keys', {
          body: {
            kind,
            name: name.trim(),
            tenantId: kind === 'tenant' ? tenantId.trim() : undefined,
          },
        }),
      );
      setCreated(result);
      setName('');
      onCreated();
    } catch (err) {
      setError(describeError(err));
    }
  };
  const copy = async () => {
    if (!created) return;
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied(true);
    } catch {
      setError('Copying was refused by the browser: select the key and copy it by hand.');
    }
  };
  return (
    <form className="panel form" onSubmit={(e) => void submit(e)} aria-labelledby="new-key-h">
      <h2 id="new-key-h">New key</h2>
      <div className="row">
        <Field id="k-kind" label="Kind">
          <select id="k-kind" value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
            <option value="tenant">Tenant (a SaaS dashboard)</option>
            <option value="service">Service (reads tokens)</option>
            <option value="operator">Operator (everything)</option>
          </select>
        </Field>
        <TextField
          id="k-name"
          label="Name"
          className="grow"
          required
          placeholder="acme dashboard"
          value={name}
          onValue={setName}
        />
        {kind === 'tenant' && (
          <TextField
            id="k-tenant"
            label="Tenant id"
            required
            value={tenantId}
            onValue={setTenantId}
          />
        )}
      </div>
      <ErrorMessage>{error}</ErrorMessage>
      <button type="submit" className="primary">
        Create key
      </button>
      {created && (
        <div className="secret" role="status">
          <p>
            <strong>Copy this key now: it is shown only once.</strong> The platform keeps only a
            hash of it; if it is lost, revoke it and create another.
          </p>
          <label htmlFor="k-secret">Key “{created.apiKey.name}”</label>
          <div className="row">
            <input
              id="k-secret"
              className="mono grow"
              readOnly
              value={created.key}
              onFocus={(e) => e.target.select()}
            />
            <button type="button" onClick={() => void copy()}>
              {copied ? 'Copied' : 'Copy'}
            </button>
          </div>
        </div>
      )}
    </form>
  );
}
