import { Command } from 'commander';
import { validateEnvironment } from '../config/environment.js';
import { toPlatformConfig } from '../config/platform-config.js';
import { rotateDataKeys, RotationReport, TableRotation } from './data-key-rotation.js';

const BAR_WIDTH = 30;

export interface RotateIo {
  out: (s: string) => void;
  err: (s: string) => void;
  errIsTty?: boolean;
}

/** Runs `fn` with the database URL (DATABASE_URL, else the embedded database), as the CLI does. */
export type WithDatabase = <T>(fn: (url: string, shared: boolean) => Promise<T>) => Promise<T>;

/**
 * Progress of one table on standard error: a bar redrawn in place on a terminal, a line per tenth
 * otherwise (no carriage returns in a log file).
 */
export function progressWriter(
  io: RotateIo,
): (p: { table: string; done: number; total: number }) => void {
  let lastKey = '';
  return ({ table, done, total }) => {
    const ratio = total > 0 ? Math.min(1, done / total) : 1;
    if (io.errIsTty) {
      const filled = Math.round(ratio * BAR_WIDTH);
      const bar = `${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}`;
      io.err(`\r${table.padEnd(24)} [${bar}] ${done}/${total}${done >= total ? '\n' : ''}`);
      return;
    }
    const key = `${table}:${Math.floor(ratio * 10)}`;
    if (key === lastKey) return;
    lastKey = key;
    io.err(`${table}: ${done}/${total} rows\n`);
  };
}

/** The final summary, one line per table. */
export function formatRotationSummary(report: RotationReport): string {
  const head = ['table', 'stale', 'resealed', 'skipped', 'unreadable'];
  const rows = report.tables.map((t: TableRotation) => [
    t.table,
    String(t.stale),
    String(t.resealed),
    String(t.skipped),
    String(t.unreadable),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), ...rows.map(line)].join('\n') + '\n';
}

/**
 * `rotate-data-key`: re-seals every secret under the newest key of DATA_ENCRYPTION_KEYS. Exits 1
 * when something is left (a row changed meanwhile, a value under an unknown key id, a stopped
 * run): the old key must stay configured until a run ends clean.
 */
export function registerRotateDataKeyCommand(
  program: Command,
  io: RotateIo,
  withDatabase: WithDatabase,
): void {
  program
    .command('rotate-data-key')
    .description(
      'Re-seal every stored secret (*_ciphertext) under the first key of DATA_ENCRYPTION_KEYS, ' +
        'online and in small batches; run it again to continue after a stop. When it ends clean, ' +
        'the other key ids can be removed from DATA_ENCRYPTION_KEYS.',
    )
    .option('--batch-size <n>', 'rows re-sealed per transaction', '200')
    .action(async (o: { batchSize: string }) => {
      const batchSize = Number(o.batchSize);
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000)
        throw new Error('--batch-size must be an integer from 1 to 10000');
      const config = toPlatformConfig(validateEnvironment(process.env), (m) =>
        io.err(`warning: ${m}\n`),
      );
      const report = await withDatabase((url) =>
        rotateDataKeys(url, config.dataKeys, { batchSize, onProgress: progressWriter(io) }),
      );
      io.out(formatRotationSummary(report));
      const left = report.tables.reduce((n, t) => n + t.skipped + t.unreadable, 0);
      if (!report.complete || left > 0)
        throw new Error(
          `not every secret is under key id ${report.kid} yet: keep the old keys and run it again` +
            (report.tables.some((t) => t.unreadable > 0)
              ? ' (unreadable values are under a key id that is not configured)'
              : ''),
        );
      io.out(
        `every secret is sealed under key id ${report.kid}; the other key ids can be removed\n`,
      );
    });
}
