import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { EmbeddedPostgres } from '../../apps/platform/src/database/embedded-postgres.js';
import { runMigrations } from '../../apps/platform/src/database/migration-runner.js';

/**
 * The migrated template each test database is copied from. Named per test run (the global setup
 * sets WOP_TEST_TEMPLATE), so that two runs on one server never drop each other's template.
 */
export const templateDb = (): string => process.env.WOP_TEST_TEMPLATE ?? 'wop_test_template';
const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** The real PostgreSQL the tests use, or null when none is reachable (embedded fallback). */
export async function realServerUrl(): Promise<string | null> {
  const url = process.env.TEST_DATABASE_URL ?? DEFAULT_URL;
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return url;
  } catch (error) {
    if (process.env.TEST_DATABASE_URL) throw error; // asked for explicitly: do not fall back
    return null;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Builds the migrated template database each test database is copied from. */
export async function prepareTemplate(serverUrl: string, name = templateDb()): Promise<void> {
  await dropTemplate(serverUrl, name);
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  await runMigrations(withDatabase(serverUrl, name), { lock: true });
}

export async function dropTemplate(serverUrl: string, name = templateDb()): Promise<void> {
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

export interface TestDatabase {
  url: string;
  /** 'real' has any number of connections; 'embedded' has one. */
  kind: 'real' | 'embedded';
  /** Pool size to use against it. */
  poolSize: number;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database of this test file's own: a copy of the template on the real
 * PostgreSQL, or an in-memory embedded one when no server is reachable.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const server = await realServerUrl();
  if (server) {
    const name = `wop_test_${randomBytes(6).toString('hex')}`;
    const admin = new Client({ connectionString: server });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${templateDb()}`);
    } finally {
      await admin.end();
    }
    return {
      url: withDatabase(server, name),
      kind: 'real',
      poolSize: 10,
      drop: async () => {
        const c = new Client({ connectionString: server });
        await c.connect();
        try {
          await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        } finally {
          await c.end();
        }
      },
    };
  }
  const embedded = new EmbeddedPostgres({ dataDir: 'memory://' });
  const url = await embedded.start();
  await runMigrations(url, { lock: false });
  return { url, kind: 'embedded', poolSize: 1, drop: () => embedded.stop() };
}
