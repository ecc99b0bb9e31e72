/** A cell as the table prints it: dates as ISO, nothing as `-`. */
export function cell(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/**
 * A short plain-text table for people (scripts take `--json`): a header row, columns padded to
 * their widest cell, two spaces between them, no trailing spaces.
 */
export function formatTable(header: string[], rows: unknown[][]): string {
  const lines = [header, ...rows.map((r) => r.map(cell))];
  const widths = header.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length)));
  return lines
    .map((l) =>
      l
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .map((l) => `${l}\n`)
    .join('');
}

/** Key/value lines of one record, for `show`-like commands. */
export function formatFields(fields: [string, unknown][]): string {
  const width = Math.max(...fields.map(([k]) => k.length));
  return fields.map(([k, v]) => `${k.padEnd(width)}  ${cell(v)}\n`).join('');
}

/** JSON for scripts: one document, indented, a newline at the end. */
export function formatJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
