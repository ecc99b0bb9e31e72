import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TestDatabase } from '../support/database.js';
import { seedAuditedTables } from './seed.js';

/**
 * The append-only tables refuse UPDATE and DELETE (trigger forbid_change()). The one way past it
 * is the retention exemption: a DELETE on a log table by the role wop_retention (the owner of the
 * SECURITY DEFINER retention function) while wop.retention_pruning is 'on'; a session that sets
 * the option itself is refused; history and quota resets stay.
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

  /**
   * The error message of `sql`, run in a transaction rolled back afterwards (null: it passed).
   * `as`: 'setting' sets wop.retention_pruning first (what anyone with DELETE on a table can do);
   * 'retention' also runs as the role wop_retention, as inside prune_retention_batch(); a role name
   * runs as that role with the setting on.
   */
  async function refusal(sql: string, as?: string): Promise<string | null> {
    await c.query('BEGIN');
    try {
      if (as) await c.query(`SELECT set_config('wop.retention_pruning', 'on', true)`);
      if (as && as !== 'setting')
        await c.query(`SET LOCAL ROLE ${as === 'retention' ? 'wop_retention' : as}`);
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

  it('lets the retention role delete from the logs, never update, never touch history', async () => {
    // Refused by the trigger, or before it: the role holds only SELECT and DELETE on the logs.
    const refused = /is append-only|permission denied/;
    for (const log of ['wechat_event_log', 'authorizer_refresh_log', 'secret_access_log']) {
      expect(await refusal(`DELETE FROM ${log}`, 'retention'), log).toBeNull();
      expect(await refusal(`UPDATE ${log} SET id = id`, 'retention')).toMatch(refused);
      expect(await refusal(`UPDATE ${log} SET id = id`, 'setting')).toBe(`${log} is append-only`);
    }
    for (const kept of ['authorizer_history', 'quota_reset']) {
      expect(await refusal(`DELETE FROM ${kept}`, 'retention')).toMatch(refused);
      expect(await refusal(`DELETE FROM ${kept}`, 'setting')).toBe(`${kept} is append-only`);
    }
    expect(await refusal('TRUNCATE authorizer_refresh_log', 'retention')).toMatch(refused);
    expect(await refusal('TRUNCATE authorizer_refresh_log', 'setting')).toBe(
      'authorizer_refresh_log is append-only',
    );
    // The role alone, without the setting (which only the function's SET clause turns on): refused.
    await c.query('BEGIN');
    try {
      await c.query('SET LOCAL ROLE wop_retention');
      await expect(c.query('DELETE FROM authorizer_refresh_log')).rejects.toThrow(
        'authorizer_refresh_log is append-only',
      );
    } finally {
      await c.query('ROLLBACK');
    }
  });

  it('refuses a DELETE by a session that merely sets wop.retention_pruning', async () => {
    // The migrating role itself (the tables' owner here), setting the option: refused.
    for (const log of ['wechat_event_log', 'authorizer_refresh_log', 'secret_access_log'])
      expect(await refusal(`DELETE FROM ${log}`, 'setting'), log).toBe(`${log} is append-only`);
    if (db.kind === 'embedded') return; // PGlite: one session, no other role to speak of
    // A role granted DELETE on every log, as a service or a DBA's role might be: refused too.
    const role = `wop_deleter_${randomBytes(4).toString('hex')}`;
    await c.query(`CREATE ROLE ${role} NOLOGIN`);
    const logs = 'wechat_event_log, authorizer_refresh_log, secret_access_log';
    try {
      await c.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
      await c.query(`GRANT SELECT, DELETE ON ${logs} TO ${role}`);
      for (const log of ['wechat_event_log', 'authorizer_refresh_log', 'secret_access_log'])
        expect(await refusal(`DELETE FROM ${log}`, role), log).toBe(`${log} is append-only`);
    } finally {
      await c.query(`REVOKE ALL ON ${logs} FROM ${role}`);
      await c.query(`REVOKE ALL ON SCHEMA public FROM ${role}`);
      await c.query(`DROP ROLE ${role}`);
    }
  });

  it('every table with a trigger on forbid_change() is one of these', async () => {
    const { rows } = await c.query<{ t: string }>(`
      SELECT DISTINCT c.relname AS t FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
       WHERE g.tgfoid = 'forbid_change'::regproc AND NOT g.tgisinternal ORDER BY 1`);
    expect(rows.map((r) => r.t)).toEqual([...tables].sort());
  });
});
