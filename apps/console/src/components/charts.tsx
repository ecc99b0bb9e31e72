/** Plain-SVG charts, each with a text alternative (a caption and a visually hidden table). */

export interface RefreshBucket {
  at: string;
  ok: number;
  failed: number;
}

const hour = (iso: string) =>
  new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/** Refreshes per hour, ok stacked under failed. */
export function RefreshChart({ buckets }: { buckets: RefreshBucket[] }) {
  const width = 720;
  const height = 200;
  const pad = { left: 36, right: 8, top: 10, bottom: 24 };
  const max = Math.max(1, ...buckets.map((b) => b.ok + b.failed));
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const slot = innerW / Math.max(1, buckets.length);
  const barW = Math.max(2, slot * 0.7);
  const y = (v: number) => pad.top + innerH - (v / max) * innerH;
  const totalOk = buckets.reduce((s, b) => s + b.ok, 0);
  const totalFailed = buckets.reduce((s, b) => s + b.failed, 0);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby="refresh-chart-caption">
        <line x1={pad.left} x2={width - pad.right} y1={y(0)} y2={y(0)} className="axis" />
        <text x={pad.left - 6} y={y(max) + 4} textAnchor="end" className="tick">
          {max}
        </text>
        <text x={pad.left - 6} y={y(0)} textAnchor="end" className="tick">
          0
        </text>
        {buckets.map((b, i) => {
          const x = pad.left + i * slot + (slot - barW) / 2;
          return (
            <g key={b.at}>
              <rect x={x} y={y(b.ok)} width={barW} height={y(0) - y(b.ok)} className="bar-ok" />
              <rect
                x={x}
                y={y(b.ok + b.failed)}
                width={barW}
                height={y(b.ok) - y(b.ok + b.failed)}
                className="bar-failed"
              />
              {(i % Math.ceil(buckets.length / 8) === 0 || i === buckets.length - 1) && (
                <text x={x + barW / 2} y={height - 6} textAnchor="middle" className="tick">
                  {hour(b.at)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption id="refresh-chart-caption">
        Token refreshes per hour: {totalOk} succeeded, {totalFailed} failed.{' '}
        <span className="legend legend-ok">succeeded</span>{' '}
        <span className="legend legend-failed">failed</span>
      </figcaption>
      <div className="visually-hidden">
        <table>
          <caption>Token refreshes per hour</caption>
          <thead>
            <tr>
              <th scope="col">Hour from</th>
              <th scope="col">Succeeded</th>
              <th scope="col">Failed</th>
            </tr>
          </thead>
          <tbody>
            {buckets.map((b) => (
              <tr key={b.at}>
                <td>{hour(b.at)}</td>
                <td>{b.ok}</td>
                <td>{b.failed}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}

export const EXPIRY_LABELS: Record<string, string> = {
  expired: 'expired',
  lt5m: '< 5 min',
  lt15m: '5–15 min',
  lt30m: '15–30 min',
  lt60m: '30–60 min',
  lt120m: '1–2 h',
  ge120m: '≥ 2 h',
};
const EXPIRY_ORDER = Object.keys(EXPIRY_LABELS);

/** How many tokens have how much time left. */
export function ExpiryHistogram({ buckets }: { buckets: { bucket: string; count: number }[] }) {
  const counts = EXPIRY_ORDER.map((bucket) => ({
    bucket,
    count: buckets.find((b) => b.bucket === bucket)?.count ?? 0,
  }));
  const width = 720;
  const height = 200;
  const pad = { left: 36, right: 8, top: 16, bottom: 24 };
  const max = Math.max(1, ...counts.map((c) => c.count));
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const slot = innerW / counts.length;
  const barW = slot * 0.6;
  const y = (v: number) => pad.top + innerH - (v / max) * innerH;
  const total = counts.reduce((s, c) => s + c.count, 0);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby="expiry-chart-caption">
        <line x1={pad.left} x2={width - pad.right} y1={y(0)} y2={y(0)} className="axis" />
        {counts.map((c, i) => {
          const x = pad.left + i * slot + (slot - barW) / 2;
          return (
            <g key={c.bucket}>
              <rect
                x={x}
                y={y(c.count)}
                width={barW}
                height={y(0) - y(c.count)}
                className={c.bucket === 'expired' || c.bucket === 'lt5m' ? 'bar-failed' : 'bar-ok'}
              />
              <text x={x + barW / 2} y={y(c.count) - 4} textAnchor="middle" className="tick">
                {c.count}
              </text>
              <text x={x + barW / 2} y={height - 6} textAnchor="middle" className="tick">
                {EXPIRY_LABELS[c.bucket]}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption id="expiry-chart-caption">
        Access tokens by time left before expiry ({total} token{total === 1 ? '' : 's'}).
      </figcaption>
      <div className="visually-hidden">
        <table>
          <caption>Access tokens by time left</caption>
          <thead>
            <tr>
              <th scope="col">Time left</th>
              <th scope="col">Tokens</th>
            </tr>
          </thead>
          <tbody>
            {counts.map((c) => (
              <tr key={c.bucket}>
                <td>{EXPIRY_LABELS[c.bucket]}</td>
                <td>{c.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
