import { Client } from 'pg';
import { DataKey, SecretBox, WechatOpenError } from '@app/wechat-open';

/** A table holding sealed values: its `*_ciphertext` columns, its primary key, its version. */
export interface SealedTable {
  table: string;
  columns: string[];
  key: string[];
  /** Has a `version` column: the compare-and-swap checks it too (it is never bumped). */
  versioned: boolean;
}

/** What a rotation did to one table. */
export interface TableRotation {
  table: string;
  /** Rows holding a value not under the newest key when the table was started. */
  stale: number;
  /** Rows re-sealed under the newest key. */
  resealed: number;
  /** Rows that changed between read and write (the writer sealed them anew); a re-run takes them. */
  skipped: number;
  /** Values under a key id that is not configured: they cannot be opened, nor re-sealed. */
  unreadable: number;
}

export interface RotationOptions {
  /** Rows read and re-sealed per transaction. Default 200. */
  batchSize?: number;
  /** Stop after this many batches in all (tests simulate a crash with it). Default: no limit. */
  maxBatches?: number;
  onProgress?: (p: { table: string; done: number; total: number }) => void;
  onTableDone?: (t: TableRotation) => void;
}

export interface RotationReport {
  /** The key id everything is sealed under now. */
  kid: string;
  tables: TableRotation[];
  /** False when maxBatches stopped the run early. */
  complete: boolean;
}

type Row = Record<string, unknown>;

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** Every table of the current schema with a `*_ciphertext` column (the naming rule of secrets). */
export async function findSealedTables(db: Client): Promise<SealedTable[]> {
  const { rows } = await db.query<{
    table: string;
    columns: string[];
    key: string[] | null;
    versioned: boolean;
    append_only: boolean;
  }>(`
    SELECT c.relname AS table,
           array_agg(a.attname::text ORDER BY a.attnum) AS columns,
           (SELECT array_agg(k.attname::text ORDER BY array_position(i.indkey::int2[], k.attnum))
              FROM pg_index i JOIN pg_attribute k ON k.attrelid = i.indrelid AND k.attnum = ANY (i.indkey)
             WHERE i.indrelid = c.oid AND i.indisprimary) AS key,
           EXISTS (SELECT 1 FROM pg_attribute v WHERE v.attrelid = c.oid AND v.attname = 'version'
                      AND NOT v.attisdropped) AS versioned,
           EXISTS (SELECT 1 FROM pg_trigger g WHERE g.tgrelid = c.oid
                      AND g.tgfoid = 'forbid_change'::regproc) AS append_only
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     WHERE c.relkind IN ('r', 'p') AND a.attname LIKE '%\\_ciphertext'
     GROUP BY c.oid, c.relname
     ORDER BY c.relname`);
  return rows.map((r) => {
    if (!r.key) throw new Error(`table ${r.table} holds sealed values but has no primary key`);
    // An append-only table would refuse the UPDATE; none holds a secret today, keep it so.
    if (r.append_only)
      throw new Error(`table ${r.table} is append-only and holds sealed values: not re-sealable`);
    return { table: r.table, columns: r.columns, key: r.key, versioned: r.versioned };
  });
}

/**
 * Re-seals every `*_ciphertext` value that is not under the newest key (`keys[0]`), table by
 * table, in small batches, online: each row is written with a compare-and-swap on its current
 * values (and its version, which is left as it is, so no writer's own compare-and-swap fails and
 * no cache is told of a change: the plaintext is the same). A row changed meanwhile is skipped
 * (its writer sealed it under the newest key, or a re-run takes it). Only rows not yet under the
 * newest key are read, so a run stopped anywhere is continued by running it again.
 */
export async function rotateDataKeys(
  databaseUrl: string,
  keys: DataKey[],
  options: RotationOptions = {},
): Promise<RotationReport> {
  const box = new SecretBox(keys);
  const kid = keys[0].kid;
  const prefix = `v1:${kid}:`;
  const batchSize = options.batchSize ?? 200;
  let batchesLeft = options.maxBatches ?? Infinity;
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const report: RotationReport = { kid, tables: [], complete: true };
    for (const t of await findSealedTables(db)) {
      const stalePredicate = t.columns
        .map(
          (c, i) =>
            `(${quote(c)} IS NOT NULL AND left(${quote(c)}, length($${i + 1})) <> $${i + 1})`,
        )
        .join(' OR ');
      const prefixes = t.columns.map(() => prefix);
      const from = quote(t.table);
      const { rows: counted } = await db.query<{ n: string }>(
        `SELECT count(*) AS n FROM ${from} WHERE ${stalePredicate}`,
        prefixes,
      );
      const result: TableRotation = {
        table: t.table,
        stale: Number(counted[0].n),
        resealed: 0,
        skipped: 0,
        unreadable: 0,
      };
      report.tables.push(result);
      const keyList = t.key.map(quote).join(', ');
      const selected = [...t.key, ...t.columns, ...(t.versioned ? ['version'] : [])]
        .map(quote)
        .join(', ');
      let cursor: unknown[] | null = null;
      let done = 0;
      options.onProgress?.({ table: t.table, done, total: result.stale });
      while (result.stale > 0) {
        if (batchesLeft <= 0) {
          report.complete = false;
          break;
        }
        batchesLeft -= 1;
        const n = prefixes.length;
        const after: string = cursor
          ? ` AND (${keyList}) > (${t.key.map((_, i) => `$${n + i + 1}`).join(', ')})`
          : '';
        const { rows }: { rows: Row[] } = await db.query<Row>(
          `SELECT ${selected} FROM ${from} WHERE (${stalePredicate})${after}
            ORDER BY ${keyList} LIMIT ${batchSize}`,
          [...prefixes, ...(cursor ?? [])],
        );
        if (rows.length === 0) break;
        await db.query('BEGIN');
        try {
          for (const row of rows) {
            const outcome = await resealRow(db, t, row, box, prefix);
            if (outcome.unreadable > 0) result.unreadable += outcome.unreadable;
            if (outcome.written === true) result.resealed += 1;
            else if (outcome.written === false) result.skipped += 1;
          }
          await db.query('COMMIT');
        } catch (error) {
          await db.query('ROLLBACK');
          throw error;
        }
        const last: Row = rows[rows.length - 1];
        cursor = t.key.map((k): unknown => last[k]);
        done += rows.length;
        options.onProgress?.({
          table: t.table,
          done: Math.min(done, result.stale),
          total: result.stale,
        });
        if (rows.length < batchSize) break;
      }
      options.onTableDone?.(result);
      if (!report.complete) break;
    }
    return report;
  } finally {
    await db.end();
  }
}

/**
 * Re-seals one row's stale values, guarded by its current values (and version). `written` is
 * undefined when there was nothing readable to write.
 */
async function resealRow(
  db: Client,
  t: SealedTable,
  row: Row,
  box: SecretBox,
  prefix: string,
): Promise<{ written?: boolean; unreadable: number }> {
  const sets: string[] = [];
  const params: unknown[] = [];
  let unreadable = 0;
  for (const c of t.columns) {
    const sealed = row[c];
    if (typeof sealed !== 'string' || sealed.startsWith(prefix)) continue;
    let plaintext: string;
    try {
      plaintext = box.open(sealed);
    } catch (error) {
      if (error instanceof WechatOpenError && error.code === 'SECRET_BOX_UNREADABLE') {
        unreadable += 1;
        continue;
      }
      throw error;
    }
    params.push(box.seal(plaintext));
    sets.push(`${quote(c)} = $${params.length}`);
  }
  if (sets.length === 0) return { unreadable };
  const guards: string[] = [];
  for (const k of t.key) {
    params.push(row[k]);
    guards.push(`${quote(k)} = $${params.length}`);
  }
  for (const c of t.columns) {
    params.push(row[c]);
    guards.push(`${quote(c)} IS NOT DISTINCT FROM $${params.length}`);
  }
  if (t.versioned) {
    params.push(row.version);
    guards.push(`version = $${params.length}`);
  }
  const result = await db.query(
    `UPDATE ${quote(t.table)} SET ${sets.join(', ')} WHERE ${guards.join(' AND ')}`,
    params,
  );
  return { written: result.rowCount === 1, unreadable };
}
