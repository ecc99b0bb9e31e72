import { useEffect, useRef, useState, type InputHTMLAttributes, type ReactNode } from 'react';
import { ApiProblem, describeError } from '../api/client';

export interface Loaded<T> {
  data?: T;
  error?: string;
  /** The API's status of the failure (404: no such thing, or not yours). */
  status?: number;
  loading: boolean;
  reload: () => void;
}

/** Loads data when `deps` change; `reload()` loads again. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<Omit<Loaded<T>, 'reload'>>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) =>
        live &&
        setState({
          error: describeError(error),
          status: error instanceof ApiProblem ? error.status : undefined,
          loading: false,
        }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

/**
 * What a load shows: its error, a message about the last action (`status`), "Loading {what}…"
 * until the first data comes (no such line without `what`), then `children` with the data.
 */
export function Loads<T>(props: {
  load: Loaded<T>;
  what?: string;
  status?: string;
  children: (data: T) => ReactNode;
}) {
  const { load } = props;
  return (
    <>
      <ErrorMessage>{load.error}</ErrorMessage>
      {props.status && <p role="status">{props.status}</p>}
      {props.what !== undefined && load.loading && !load.data && <Loading what={props.what} />}
      {load.data !== undefined && props.children(load.data)}
    </>
  );
}

export interface Action {
  busy?: boolean;
  error?: string;
  /** What the last run did, in words. */
  done?: string;
  /**
   * Runs `work` (busy meanwhile); what it returns becomes `done`, a failure becomes `error`,
   * after `failed: ` when `failed` is given.
   */
  run: (work: () => Promise<string | void>, failed?: string) => Promise<void>;
  /** Forgets the last run's outcome. */
  clear: () => void;
}

/** The state of a button's API call (busy, then done or failed). */
export function useAction(): Action {
  const [state, setState] = useState<Pick<Action, 'busy' | 'error' | 'done'>>({});
  const run = async (work: () => Promise<string | void>, failed?: string) => {
    setState({ busy: true });
    try {
      const done = await work();
      setState(done ? { done } : {});
    } catch (error) {
      const words = describeError(error);
      setState({ error: failed ? `${failed}: ${words}` : words });
    }
  };
  return { ...state, run, clear: () => setState({}) };
}

/** An error in words, announced to screen readers. */
export function ErrorMessage({ children }: { children: ReactNode }) {
  if (!children) return null;
  return (
    <p className="error" role="alert">
      <span aria-hidden="true">⚠ </span>
      {children}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}

const STATUS_LABELS: Record<string, string> = {
  authorized: 'Authorized',
  revoked: 'Revoked',
  needs_reauth: 'Needs re-authorization',
  detached: 'Detached',
  delivered: 'Delivered',
  pending: 'Pending',
  delivering: 'Delivering',
  dead: 'Failed',
  failed: 'Failed',
  applied: 'Applied',
  ignored: 'Ignored',
  ok: 'OK',
  completed: 'Completed',
  created: 'Waiting',
  opened: 'Link opened',
  refused: 'Refused',
  expired: 'Expired',
};

const TONES: Record<string, 'good' | 'warn' | 'bad' | 'neutral'> = {
  authorized: 'good',
  delivered: 'good',
  applied: 'good',
  ok: 'good',
  completed: 'good',
  revoked: 'bad',
  dead: 'bad',
  failed: 'bad',
  refused: 'bad',
  expired: 'bad',
  needs_reauth: 'warn',
  pending: 'warn',
  delivering: 'warn',
  opened: 'warn',
  created: 'neutral',
  detached: 'neutral',
  ignored: 'neutral',
};

/** A status as a word (never colour alone), tinted by how good it is. */
export function Badge({ status, label }: { status: string; label?: string }) {
  const tone = TONES[status] ?? 'neutral';
  return <span className={`badge badge-${tone}`}>{label ?? STATUS_LABELS[status] ?? status}</span>;
}

/**
 * A modal confirmation (the native <dialog>: focus trapped, Escape cancels). With `typeToConfirm`
 * the confirm button stays disabled until that exact text is typed.
 */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  typeToConfirm?: string;
  busy?: boolean;
  error?: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [typed, setTyped] = useState('');
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) {
      setTyped('');
      dialog.showModal();
    }
    if (!props.open && dialog.open) dialog.close();
  }, [props.open]);
  const blocked = props.typeToConfirm !== undefined && typed !== props.typeToConfirm;
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby="dialog-title"
      onCancel={(e) => {
        e.preventDefault();
        props.onCancel();
      }}
    >
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          if (!blocked && !props.busy) props.onConfirm();
        }}
      >
        <h2 id="dialog-title">{props.title}</h2>
        {props.children}
        {props.typeToConfirm !== undefined && (
          <p>
            <label htmlFor="dialog-confirm">
              Type <code>{props.typeToConfirm}</code> to confirm
            </label>
            <input
              id="dialog-confirm"
              autoComplete="off"
              spellCheck={false}
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
            />
          </p>
        )}
        <ErrorMessage>{props.error}</ErrorMessage>
        <div className="actions">
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
          <button type="submit" className="danger" disabled={blocked || props.busy}>
            {props.busy ? 'Working…' : props.confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** 95 → "1 min 35 s"; 7200 → "2 h 0 min". */
export function formatDuration(totalSec: number): string {
  const sec = Math.abs(Math.round(totalSec));
  if (sec < 60) return `${sec} s`;
  if (sec < 3600) return `${Math.floor(sec / 60)} min ${sec % 60} s`;
  if (sec < 86400) return `${Math.floor(sec / 3600)} h ${Math.floor((sec % 3600) / 60)} min`;
  return `${Math.floor(sec / 86400)} d ${Math.floor((sec % 86400) / 3600)} h`;
}

export function PageTitle({ children }: { children: string }) {
  useEffect(() => {
    document.title = `${children} · WeChat platform console`;
  }, [children]);
  return (
    <h1 id="page-title" tabIndex={-1}>
      {children}
    </h1>
  );
}

/** A label and value pair list (profile, token health). */
export function Facts({ items }: { items: [string, ReactNode][] }) {
  return (
    <dl className="facts">
      {items.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value ?? '—'}</dd>
        </div>
      ))}
    </dl>
  );
}

interface FieldProps {
  /** The control's id, which its label points at. */
  id: string;
  label: ReactNode;
  /** More classes of the field (`grow`, `narrow`). */
  className?: string;
}

/** A label above its form control; `children` is the control, with the id `id`. */
export function Field({ id, label, className, children }: FieldProps & { children: ReactNode }) {
  return (
    <div className={className ? `field ${className}` : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children}
    </div>
  );
}

/** A labelled text input, or a text area when `rows` is given. */
export function TextField({
  id,
  label,
  className,
  value,
  onValue,
  rows,
  ...input
}: FieldProps & {
  value: string;
  onValue: (value: string) => void;
  rows?: number;
} & Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'value' | 'onChange' | 'className'>) {
  return (
    <Field id={id} label={label} className={className}>
      {rows !== undefined ? (
        <textarea id={id} rows={rows} value={value} onChange={(e) => onValue(e.target.value)} />
      ) : (
        <input id={id} {...input} value={value} onChange={(e) => onValue(e.target.value)} />
      )}
    </Field>
  );
}
