import { Fragment, type ReactNode } from 'react';
import { Loads, type Loaded } from './ui';

export interface Column<T> {
  /** The column's header, and its cells' label on narrow screens (`data-label`). */
  label: string;
  /** A header cell of its own (a sort button in a `<th scope="col">`) instead of the label. */
  header?: ReactNode;
  className?: string;
  cell: (item: T) => ReactNode;
}

export interface DataTableProps<T> {
  /** The table's accessible name. */
  label?: string;
  /** `false` leaves a column out (one shown only to operators). */
  columns: (Column<T> | false)[];
  rowKey: (item: T, index: number) => string | number;
  /** `data-*` attributes of a row. */
  rowData?: (item: T) => Record<`data-${string}`, string>;
  /** Shown instead of an empty table: a text as an `.empty` line, or an element as it is. */
  empty?: ReactNode;
  /** Wraps the table in a horizontally scrolling box. */
  scroll?: boolean;
}

/** A table that stacks its rows (label: value) on narrow screens. */
export function DataTable<T>({ items, ...props }: DataTableProps<T> & { items: T[] }) {
  if (items.length === 0 && props.empty !== undefined) {
    return typeof props.empty === 'string' ? <p className="empty">{props.empty}</p> : props.empty;
  }
  const columns = props.columns.filter((c): c is Column<T> => c !== false);
  const table = (
    <table className="stack" aria-label={props.label}>
      <thead>
        <tr>
          {columns.map((c) =>
            c.header !== undefined ? (
              <Fragment key={c.label}>{c.header}</Fragment>
            ) : (
              <th key={c.label} scope="col">
                {c.label}
              </th>
            ),
          )}
        </tr>
      </thead>
      <tbody>
        {items.map((item, i) => (
          <tr key={props.rowKey(item, i)} {...props.rowData?.(item)}>
            {columns.map((c) => (
              <td key={c.label} data-label={c.label} className={c.className}>
                {c.cell(item)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
  return props.scroll ? <div className="scroll">{table}</div> : table;
}

/** A loaded list: see `Loads` (`loading`: what is loading), then the table or the empty text. */
export function Listing<D, T>({
  load,
  items,
  loading,
  status,
  ...table
}: DataTableProps<T> & {
  load: Loaded<D>;
  items: (data: D) => T[];
  loading?: string;
  status?: string;
}) {
  return (
    <Loads load={load} what={loading} status={status}>
      {(data) => <DataTable {...table} items={items(data)} />}
    </Loads>
  );
}
