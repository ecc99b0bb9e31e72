import { Client } from 'pg';
import type { MigrationInterface } from 'typeorm';
// The library's migrations (wechatOpenMigrations), then the platform's own (migrations/).
import { MIGRATIONS } from '../../../../migrations/index.js';
import { formatTable } from './cli-table.js';

export type MigrationState = 'applied' | 'pending' | 'unknown';

export interface MigrationStatus {
  /** The migration's name as TypeORM records it (`PascalName<unix-ms>`). */
  name: string;
  /** Its timestamp (the order TypeORM applies them in). */
  timestamp: number;
  /** `unknown`: recorded as applied in the database but not part of this build (a newer one ran). */
  state: MigrationState;
}

/**
 * Every migration of this build and of the database, oldest first: applied or pending, and any
 * the database has that this build does not know. Read-only (a fresh database has no
 * typeorm_migrations table yet: everything is pending).
 */
export async function migrationStatus(
  url: string,
  known: (new () => MigrationInterface)[] = MIGRATIONS,
): Promise<MigrationStatus[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  let applied: { name: string; timestamp: string }[] = [];
  try {
    const { rows } = await c.query<{ t: string | null }>(
      `SELECT to_regclass('typeorm_migrations')::text AS t`,
    );
    if (rows[0].t)
      applied = (
        await c.query<{ name: string; timestamp: string }>(
          'SELECT name, timestamp::text AS timestamp FROM typeorm_migrations ORDER BY id',
        )
      ).rows;
  } finally {
    await c.end();
  }
  const done = new Set(applied.map((m) => m.name));
  const statuses: MigrationStatus[] = known.map((M) => {
    const name = new M().name ?? M.name;
    return {
      name,
      timestamp: Number(name.slice(-13)),
      state: done.has(name) ? 'applied' : 'pending',
    };
  });
  const names = new Set(statuses.map((s) => s.name));
  for (const m of applied)
    if (!names.has(m.name))
      statuses.push({ name: m.name, timestamp: Number(m.timestamp), state: 'unknown' });
  return statuses.sort((a, b) => a.timestamp - b.timestamp || a.name.localeCompare(b.name));
}

/** The table `migrate status` prints: one row a migration, then how many are pending. */
export function formatMigrationStatus(statuses: MigrationStatus[]): string {
  const count = (s: MigrationState) => statuses.filter((m) => m.state === s).length;
  const unknown = count('unknown');
  return (
    formatTable(
      ['MIGRATION', 'STATE'],
      statuses.map((m) => [m.name, m.state]),
    ) +
    `${count('applied')} applied, ${count('pending')} pending` +
    (unknown ? `, ${unknown} applied but unknown to this build` : '') +
    '\n'
  );
}
