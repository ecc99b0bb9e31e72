import { useState, type FormEvent } from 'react';
import { api, unwrap, type Schemas } from '../api/client';
import { Pager, useCursors } from '../components/pager';
import { DataTable } from '../components/table';
import { TokenBadge } from '../components/token';
import { Badge, Field, Loads, PageTitle, TextField, formatTime, useLoad } from '../components/ui';
import { useMe } from '../me';
import { Link } from '../router';

type Status = Schemas['AuthorizerDto']['status'];
type Kind = NonNullable<Schemas['AuthorizerDto']['accountKind']>;
type Sort = 'authorizedAt' | 'updatedAt' | 'nickName';

interface Filters {
  q: string;
  status: '' | Status;
  kind: '' | Kind;
  permissionSetId: string;
  tenantId: string;
  sort: Sort;
  order: 'asc' | 'desc';
}

const EMPTY: Filters = {
  q: '',
  status: '',
  kind: '',
  permissionSetId: '',
  tenantId: '',
  sort: 'authorizedAt',
  order: 'desc',
};
const PAGE_SIZE = 20;

export const KIND_LABELS: Record<Kind, string> = {
  official_account: 'Official account',
  mini_program: 'Mini program',
};

export function accountPath(a: { componentAppid: string; authorizerAppid: string }): string {
  return `/accounts/${a.componentAppid}/${a.authorizerAppid}`;
}

/** Authorized accounts: search, filters, sort and cursor pages (GET /v1/authorizers). */
export function AccountsPage() {
  const me = useMe();
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const cursors = useCursors();
  const cursor = cursors.cursor;

  const page = useLoad(
    () =>
      unwrap(
        api.GET('/v1/authorizers', {
          params: {
            query: {
              q: filters.q.trim() || undefined,
              status: filters.status ? [filters.status] : undefined,
              kind: filters.kind || undefined,
              permissionSetId: filters.permissionSetId
                ? Number(filters.permissionSetId)
                : undefined,
              tenantId: filters.tenantId.trim() || undefined,
              sort: filters.sort,
              order: filters.order,
              limit: PAGE_SIZE,
              cursor,
            },
          },
        }),
      ),
    [filters, cursor],
  );

  const apply = (e: FormEvent) => {
    e.preventDefault();
    setFilters(draft);
    cursors.restart();
  };
  // A column header: the same column flips the order, another one starts at its natural order.
  const sortBy = (sort: Sort) => {
    const order: Filters['order'] =
      sort === filters.sort
        ? filters.order === 'asc'
          ? 'desc'
          : 'asc'
        : sort === 'nickName'
          ? 'asc'
          : 'desc';
    setDraft((d) => ({ ...d, sort, order }));
    setFilters((f) => ({ ...f, sort, order }));
    cursors.restart();
  };
  const set = <K extends keyof Filters>(key: K, value: Filters[K]) =>
    setDraft((d) => ({ ...d, [key]: value }));

  return (
    <>
      <PageTitle>Accounts</PageTitle>
      <form className="filters" onSubmit={apply} aria-label="Search and filter accounts">
        <TextField
          id="f-q"
          label="Search"
          className="grow"
          type="search"
          placeholder="name, principal or appid"
          value={draft.q}
          onValue={(v) => set('q', v)}
        />
        <Field id="f-status" label="Status">
          <select
            id="f-status"
            value={draft.status}
            onChange={(e) => set('status', e.target.value as Filters['status'])}
          >
            <option value="">Any</option>
            <option value="authorized">Authorized</option>
            <option value="needs_reauth">Needs re-authorization</option>
            <option value="revoked">Revoked</option>
            <option value="detached">Detached</option>
          </select>
        </Field>
        <Field id="f-kind" label="Kind">
          <select
            id="f-kind"
            value={draft.kind}
            onChange={(e) => set('kind', e.target.value as Filters['kind'])}
          >
            <option value="">Any</option>
            <option value="official_account">Official account</option>
            <option value="mini_program">Mini program</option>
          </select>
        </Field>
        <TextField
          id="f-set"
          label="Permission set"
          className="narrow"
          placeholder="id, e.g. 1"
          type="number"
          min={1}
          inputMode="numeric"
          value={draft.permissionSetId}
          onValue={(v) => set('permissionSetId', v)}
        />
        {me.kind === 'operator' && (
          <TextField
            id="f-tenant"
            label="Tenant"
            className="narrow"
            placeholder="any"
            value={draft.tenantId}
            onValue={(v) => set('tenantId', v)}
          />
        )}
        <Field id="f-sort" label="Sort by">
          <select
            id="f-sort"
            value={draft.sort}
            onChange={(e) => set('sort', e.target.value as Sort)}
          >
            <option value="authorizedAt">Authorized at</option>
            <option value="updatedAt">Last change</option>
            <option value="nickName">Name</option>
          </select>
        </Field>
        <Field id="f-order" label="Order">
          <select
            id="f-order"
            value={draft.order}
            onChange={(e) => set('order', e.target.value as Filters['order'])}
          >
            <option value="desc">Descending</option>
            <option value="asc">Ascending</option>
          </select>
        </Field>
        <div className="field">
          <button type="submit" className="primary">
            Apply
          </button>
        </div>
      </form>

      <Loads load={page} what="accounts">
        {(data) => (
          <>
            <p className="muted" role="status">
              {data.total} account{data.total === 1 ? '' : 's'} match
              {cursors.page > 1 ? ` · page ${cursors.page}` : ''}
            </p>
            <AccountsTable
              items={data.items}
              showTenant={me.kind === 'operator'}
              sort={filters.sort}
              order={filters.order}
              onSort={sortBy}
            />
            <Pager
              cursors={cursors}
              next={data.nextCursor}
              labels={['Previous page', 'Next page']}
            />
          </>
        )}
      </Loads>
    </>
  );
}

function SortHeader(props: {
  label: string;
  field: Sort;
  sort: Sort;
  order: 'asc' | 'desc';
  onSort: (field: Sort) => void;
}) {
  const active = props.sort === props.field;
  return (
    <th
      scope="col"
      aria-sort={active ? (props.order === 'asc' ? 'ascending' : 'descending') : undefined}
    >
      <button type="button" className="sort" onClick={() => props.onSort(props.field)}>
        {props.label}
        <span aria-hidden="true">{active ? (props.order === 'asc' ? ' ▲' : ' ▼') : ' ↕'}</span>
        <span className="visually-hidden"> (sort)</span>
      </button>
    </th>
  );
}

function AccountsTable(props: {
  items: Schemas['AuthorizerDto'][];
  showTenant: boolean;
  sort: Sort;
  order: 'asc' | 'desc';
  onSort: (field: Sort) => void;
}) {
  const sortable = { sort: props.sort, order: props.order, onSort: props.onSort };
  return (
    <DataTable
      label="Accounts"
      items={props.items}
      empty="No account matches. Connect one from “Connect an account”."
      rowKey={(a) => `${a.componentAppid}/${a.authorizerAppid}`}
      rowData={(a) => ({ 'data-appid': a.authorizerAppid })}
      columns={[
        {
          label: 'Account',
          header: <SortHeader label="Account" field="nickName" {...sortable} />,
          cell: (a) => (
            <>
              <Link to={accountPath(a)}>{a.nickName ?? a.authorizerAppid}</Link>
              <div className="muted small mono">{a.authorizerAppid}</div>
            </>
          ),
        },
        props.showTenant && { label: 'Tenant', cell: (a) => a.tenantId ?? '—' },
        { label: 'Kind', cell: (a) => (a.accountKind ? KIND_LABELS[a.accountKind] : '—') },
        { label: 'Status', cell: (a) => <Badge status={a.status} /> },
        {
          label: 'Token',
          cell: (a) => (
            <TokenCell componentAppid={a.componentAppid} authorizerAppid={a.authorizerAppid} />
          ),
        },
        { label: 'Permission sets', cell: (a) => a.permissionSets.length },
        {
          label: 'Authorized',
          header: <SortHeader label="Authorized" field="authorizedAt" {...sortable} />,
          cell: (a) => formatTime(a.authorizedAt),
        },
      ]}
    />
  );
}

function TokenCell(props: { componentAppid: string; authorizerAppid: string }) {
  const detail = useLoad(
    () =>
      unwrap(
        api.GET('/v1/components/{componentAppid}/authorizers/{authorizerAppid}', {
          params: { path: props },
        }),
      ),
    [props.componentAppid, props.authorizerAppid],
  );
  if (detail.error) return <span className="muted">unknown</span>;
  if (!detail.data) return <span className="muted">…</span>;
  return <TokenBadge health={detail.data.tokenHealth} />;
}
