import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TestDatabase } from '../support/database.js';
import { seedAuditedTables } from './seed.js';

/**
 * The append-only tables refuse UPDATE and DELETE (trigger forbid_change()). The one way past it
 * is the retention exemption: a DELETE on a log table while wop.retention_pruning is 'on' for the
 * transaction, which only the retention function is to set; history and quota resets stay.
 */
describe('append-only tables', () => {
  let db: TestDatabase;
  let c: Client;
  beforeAll(async () => {
    db = await createTestDatabase();
    c = new Client({ connectionString: db.url });
    await c.connect();
    await seedAuditedTables(c);
    await c.query(
      `INSERT INTO quota_reset (component_appid, target_appid, api_key_id, outcome)
       VALUES ('wxcomponent0000001', 'wxcomponent0000001', gen_random_uuid(), 'reset')`,
    );
  });
  afterAll(async () => {
    await c?.end();
    await db?.drop();
  });

  const tables = [
    'authorizer_history',
    'wechat_event_log',
    'authorizer_refresh_log',
    'secret_access_log',
    'quota_reset',
  ];

  /** The error message of `sql`, run in a transaction rolled back afterwards (null: it passed). */
  async function refusal(sql: string, pruning = false): Promise<string | null> {
    await c.query('BEGIN');
    try {
      if (pruning) await c.query(`SELECT set_config('wop.retention_pruning', 'on', true)`);
      const r = await c.query(sql);
      return r.command !== 'TRUNCATE' && r.rowCount === 0 ? 'no row touched' : null;
    } catch (error) {
      return (error as Error).message;
    } finally {
      await c.query('ROLLBACK');
    }
  }

  it.each(tables)('%s refuses UPDATE, DELETE and TRUNCATE', async (table) => {
    expect(await refusal(`UPDATE ${table} SET id = id`)).toBe(`${table} is append-only`);
    expect(await refusal(`DELETE FROM ${table}`)).toBe(`${table} is append-only`);
    expect(await refusal(`TRUNCATE ${table}`)).toBe(`${table} is append-only`);
  });

  it('lets the retention exemption delete from the logs, never update, never touch history', async () => {
    for (const log of ['wechat_event_log', 'authorizer_refresh_log', 'secret_access_log']) {
      expect(await refusal(`DELETE FROM ${log}`, true), log).toBeNull();
      expect(await refusal(`UPDATE ${log} SET id = id`, true)).toBe(`${log} is append-only`);
    }
    for (const kept of ['authorizer_history', 'quota_reset'])
      expect(await refusal(`DELETE FROM ${kept}`, true)).toBe(`${kept} is append-only`);
    expect(await refusal('TRUNCATE authorizer_refresh_log', true)).toBe(
      'authorizer_refresh_log is append-only',
    );
    // The setting is the transaction's own: the next one is refused again.
    expect(await refusal('DELETE FROM authorizer_refresh_log')).toBe(
      'authorizer_refresh_log is append-only',
    );
  });

  it('every table with a trigger on forbid_change() is one of these', async () => {
    const { rows } = await c.query<{ t: string }>(`
      SELECT DISTINCT c.relname AS t FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
       WHERE g.tgfoid = 'forbid_change'::regproc AND NOT g.tgisinternal ORDER BY 1`);
    expect(rows.map((r) => r.t)).toEqual([...tables].sort());
  });
});
