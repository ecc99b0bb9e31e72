import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditorRoleSql } from '../../apps/platform/src/audit/auditor-role.sql.js';
import { createTestDatabase, realServerUrl, TestDatabase } from '../support/database.js';
import { ACCOUNT, SECRETS, seedAuditedTables } from './seed.js';

/**
 * The auditor role script (`cli auditor-role-sql`), run on a migrated database: the role reads
 * every audit view, and nothing else. Roles are cluster-wide, so this file's role has a name of
 * its own and is dropped at the end.
 */
describe('auditor role', () => {
  const role = `wop_auditor_test_${randomBytes(4).toString('hex')}`;
  let db: TestDatabase;
  let c: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    if (db.kind !== 'real') return;
    c = new Client({ connectionString: db.url });
    await c.connect();
    await seedAuditedTables(c);
    await c.query(auditorRoleSql({ role }));
  });

  afterAll(async () => {
    if (c) {
      await c.query('RESET ROLE').catch(() => undefined);
      await c.query(`DROP OWNED BY ${role}`).catch(() => undefined);
      await c.end();
    }
    await db?.drop();
    const server = await realServerUrl();
    if (server) {
      const admin = new Client({ connectionString: server });
      await admin.connect();
      try {
        await admin.query(`DROP ROLE IF EXISTS ${role}`);
      } finally {
        await admin.end();
      }
    }
  });

  /** Runs `sql` as the auditor, in a transaction rolled back afterwards; the error, if any. */
  async function asAuditor<T>(fn: () => Promise<T>): Promise<T> {
    await c.query('BEGIN');
    try {
      await c.query(`SET LOCAL ROLE ${role}`);
      return await fn();
    } finally {
      await c.query('ROLLBACK');
    }
  }

  async function names(sql: string): Promise<string[]> {
    return (await c.query<{ n: string }>(sql)).rows.map((r) => r.n);
  }

  it('is NOLOGIN, and the script can run again', async ({ skip }) => {
    if (db.kind !== 'real') skip('roles need a real PostgreSQL');
    await c.query(auditorRoleSql({ role }));
    const { rows } = await c.query<{ rolcanlogin: boolean; rolsuper: boolean }>(
      'SELECT rolcanlogin, rolsuper FROM pg_roles WHERE rolname = $1',
      [role],
    );
    expect(rows).toEqual([{ rolcanlogin: false, rolsuper: false }]);
  });

  it('reads every audit view, which run with their owner rights (no security_invoker)', async ({
    skip,
  }) => {
    if (db.kind !== 'real') skip('roles need a real PostgreSQL');
    const views = await names(`
      SELECT c.relname AS n FROM pg_class c
       WHERE c.relnamespace = 'audit'::regnamespace AND c.relkind = 'v' ORDER BY 1`);
    expect(views).toEqual([
      'api_key',
      'authorization_event',
      'authorizer',
      'authorizer_history',
      'authorizer_refresh_log',
      'secret_access_log',
      'tenant',
    ]);
    const invoker = await names(`
      SELECT c.relname AS n FROM pg_class c
       WHERE c.relnamespace = 'audit'::regnamespace
         AND EXISTS (SELECT FROM unnest(c.reloptions) o WHERE o ILIKE 'security_invoker=%'
                                                          AND o NOT ILIKE '%=false')`);
    expect(invoker).toEqual([]);

    const read = await asAuditor(async () => {
      const out: Record<string, Record<string, unknown>[]> = {};
      for (const v of views) out[v] = (await c.query(`SELECT * FROM audit.${v}`)).rows;
      return out;
    });
    for (const v of views) expect(read[v].length, `rows of audit.${v}`).toBeGreaterThan(0);

    // What a DBA asked for is there...
    expect(read.authorizer[0]).toMatchObject({
      authorizer_appid: ACCOUNT,
      tenant_name: 'Acme',
      permission_set_ids: [1, 15],
      has_access_token: true,
      refresh_failure_count: 2,
      refresh_last_errcode: 45009,
      last_refresh_result: 'quota',
    });
    expect(read.authorizer[0].refresh_backoff_until).toBeInstanceOf(Date);
    expect(read.authorization_event.map((e) => e.info_type)).toEqual(['authorized']);
    expect(read.secret_access_log[0]).toMatchObject({
      api_key_name: 'token reader',
      api_key_kind: 'service',
      api_key_prefix: 'wop_sv_agwe',
    });
    // ...and no secret, ciphertext, hash or payload.
    const everything = JSON.stringify(read);
    for (const secret of Object.values(SECRETS)) expect(everything).not.toContain(secret);
  });

  it('has no view column that names a secret, a ciphertext or a hash', async ({ skip }) => {
    if (db.kind !== 'real') skip('needs the real PostgreSQL database of this file');
    const columns = await names(`
      SELECT c.relname || '.' || a.attname AS n
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
       WHERE c.relnamespace = 'audit'::regnamespace AND a.attnum > 0
         AND a.attname ~ '(ciphertext|hash|secret|payload|password)'`);
    expect(columns).toEqual([]);
  });

  it('cannot read any table of public, nor any secret column', async ({ skip }) => {
    if (db.kind !== 'real') skip('roles need a real PostgreSQL');
    const tables = await names(`
      SELECT c.relname AS n FROM pg_class c
       WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
       ORDER BY 1`);
    expect(tables).toContain('authorizer_token');
    const readable: string[] = [];
    for (const t of tables) {
      const error = await asAuditor(() =>
        c.query(`SELECT * FROM public.${t} LIMIT 1`).then(
          () => null,
          (e: { code?: string; message?: string }) => e,
        ),
      );
      if (error?.code !== '42501') readable.push(`${t}: ${error?.message ?? 'readable'}`);
    }
    expect(readable, 'base tables the auditor could read').toEqual([]);

    const secretColumns = await names(`
      SELECT c.relname || '.' || a.attname AS n
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
       WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND a.attnum > 0
         AND NOT a.attisdropped AND a.attname ~ '(ciphertext|hash)$'`);
    expect(secretColumns).toContain('authorizer_token.access_token_ciphertext');
    expect(secretColumns).toContain('api_key.secret_hash');
    const readableColumns: string[] = [];
    for (const col of secretColumns) {
      const [table, column] = col.split('.');
      const error = await asAuditor(() =>
        c.query(`SELECT ${column} FROM public.${table} LIMIT 1`).then(
          () => null,
          (e: { code?: string }) => e,
        ),
      );
      if (error?.code !== '42501') readableColumns.push(col);
    }
    expect(readableColumns, 'secret columns the auditor could read').toEqual([]);

    // Nor write anything, through a view or otherwise.
    const write = await asAuditor(() =>
      c.query(`UPDATE audit.tenant SET name = 'x'`).then(
        () => null,
        (e: { code?: string }) => e.code,
      ),
    );
    expect(write).toBe('42501');
  });
});
