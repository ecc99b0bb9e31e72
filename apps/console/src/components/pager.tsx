import { useState } from 'react';

/** Cursor pages: the cursors of the pages seen so far, [undefined (first page), page 2's, ...]. */
export function useCursors() {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  return {
    /** The cursor of the page shown (undefined: the first). */
    cursor: cursors[cursors.length - 1],
    /** The page shown, from 1. */
    page: cursors.length,
    /** Back to the first page (the filters changed). */
    restart: () => setCursors([undefined]),
    back: () => setCursors((c) => c.slice(0, -1)),
    forward: (next: string) => setCursors((c) => [...c, next]),
  };
}

/** The buttons to the page before and the page after (`next`: its cursor, when there is one). */
export function Pager(props: {
  cursors: ReturnType<typeof useCursors>;
  next: string | null | undefined;
  labels: [previous: string, next: string];
}) {
  const { cursors, next } = props;
  return (
    <div className="pager">
      <button type="button" disabled={cursors.page === 1} onClick={cursors.back}>
        {props.labels[0]}
      </button>
      <button type="button" disabled={!next} onClick={() => next && cursors.forward(next)}>
        {props.labels[1]}
      </button>
    </div>
  );
}
