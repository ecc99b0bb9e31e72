import { Client } from 'pg';
import { DataSource } from 'typeorm';
// The library's migrations (wechatOpenMigrations), then the platform's own (migrations/).
import { MIGRATIONS } from '../../../../migrations/index.js';
import { PlatformLock } from './lock-ids.js';

export interface MigrationLog {
  log(message: string): void;
}

function dataSourceFor(url: string): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    poolSize: 1,
    logging: false,
  });
}

/**
 * Applies pending migrations, each in its own transaction. On a shared PostgreSQL it holds an
 * advisory lock on a separate connection, so instances starting together migrate one at a time.
 * (The embedded database is single-instance and single-connection: no lock there.)
 */
export async function runMigrations(
  url: string,
  options: { lock: boolean; logger?: MigrationLog },
): Promise<string[]> {
  const lockClient = options.lock ? new Client({ connectionString: url }) : undefined;
  if (lockClient) {
    await lockClient.connect();
    await lockClient.query('SELECT pg_advisory_lock($1)', [PlatformLock.Migrations]);
  }
  const ds = dataSourceFor(url);
  try {
    await ds.initialize();
    const applied = await ds.runMigrations({ transaction: 'each' });
    const names = applied.map((m) => m.name);
    options.logger?.log(
      names.length ? `applied migrations: ${names.join(', ')}` : 'database schema is up to date',
    );
    return names;
  } finally {
    if (ds.isInitialized) await ds.destroy();
    if (lockClient) {
      await lockClient.query('SELECT pg_advisory_unlock($1)', [PlatformLock.Migrations]);
      await lockClient.end();
    }
  }
}

/** Reverts the newest applied migration; returns whether one was reverted. */
export async function revertLastMigration(url: string): Promise<boolean> {
  const ds = dataSourceFor(url);
  await ds.initialize();
  try {
    const before = await ds.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM typeorm_migrations',
    );
    await ds.undoLastMigration({ transaction: 'each' });
    return before[0].n > 0;
  } finally {
    await ds.destroy();
  }
}
