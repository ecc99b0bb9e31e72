import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { EmbeddedPostgres } from '../../apps/platform/src/database/embedded-postgres.js';
import { realServerUrl } from './database.js';

export interface EmptyDatabase {
  url: string;
  /** Pool size to use against it (the embedded database has one connection). */
  poolSize: number;
  drop(): Promise<void>;
}

/**
 * A new database with no schema at all (not a copy of the migrated template): for hosts of the
 * library that run its migrations themselves. On the real PostgreSQL when reachable, else an
 * in-memory embedded one.
 */
export async function createEmptyDatabase(): Promise<EmptyDatabase> {
  const server = await realServerUrl();
  if (!server) {
    const embedded = new EmbeddedPostgres({ dataDir: 'memory://' });
    const url = await embedded.start();
    return { url, poolSize: 1, drop: () => embedded.stop() };
  }
  const name = `wop_empty_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`).finally(() => admin.end());
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    poolSize: 5,
    drop: async () => {
      const c = new Client({ connectionString: server });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => c.end());
    },
  };
}
