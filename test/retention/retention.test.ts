import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '@app/wechat-open';
import type { PlatformConfig } from '../../apps/platform/src/config/platform-config.js';
import { RetentionRepository } from '../../apps/platform/src/retention/retention.repository.js';
import { RetentionService } from '../../apps/platform/src/retention/retention.service.js';
import { createTestDatabase, TestDatabase } from '../support/database.js';
import { ACCOUNT, COMPONENT, KEY_ID } from '../audit/seed.js';

const OLD = 200; // rows per log past every retention
const RECENT = 3;

/**
 * Retention: old rows of the logs and done jobs leave in batches through prune_retention_batch(),
 * recent ones stay, history is never touched, a plain DELETE is still refused, and a role the
 * function was not granted to cannot call it.
 */
describe('retention', () => {
  let db: TestDatabase;
  let c: Client;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    c = new Client({ connectionString: db.url });
    await c.connect();
    ds = new DataSource({ type: 'postgres', url: db.url, poolSize: 1 });
    await ds.initialize();
    const ages = [
      ...Array.from({ length: OLD }, () => '400 days'),
      ...Array.from({ length: RECENT }, () => '1 hour'),
    ];
    for (const [i, age] of ages.entries()) {
      await c.query(
        `INSERT INTO wechat_event_log (component_appid, info_type, authorizer_appid, create_time,
                                       dedupe_key, payload, received_at)
         VALUES ($1, 'authorized', $2, now(), $3, '{}', now() - $4::interval)`,
        [COMPONENT, ACCOUNT, `dedupe-${i}`, age],
      );
      await c.query(
        `INSERT INTO authorizer_refresh_log (component_appid, authorizer_appid, instance, trigger,
                                             result, duration_ms, at)
         VALUES ($1, $2, 'i', 'schedule', 'ok', 1, now() - $3::interval)`,
        [COMPONENT, ACCOUNT, age],
      );
      await c.query(
        `INSERT INTO secret_access_log (api_key_id, action, component_appid, authorizer_appid, at)
         VALUES ($1, 'access_token', $2, $3, now() - $4::interval)`,
        [KEY_ID, COMPONENT, ACCOUNT, age],
      );
      await c.query(
        `INSERT INTO wechat_job (kind, component_appid, dedupe_key, payload_ciphertext, status,
                                 finished_at)
         VALUES ('k', $1, $2, 'v1:k:iv:x', 'done', now() - $3::interval)`,
        [COMPONENT, `job-${i}`, age],
      );
      await c.query(
        `INSERT INTO authorizer_history (component_appid, authorizer_appid, action, changes, cause,
                                         actor, at)
         VALUES ($1, $2, 'authorized', '{}', 'test', 'test', now() - $3::interval)`,
        [COMPONENT, ACCOUNT, age],
      );
    }
    // Old jobs that are not done stay whatever their age: failed ones wait for an operator.
    await c.query(
      `INSERT INTO wechat_job (kind, component_appid, dedupe_key, payload_ciphertext, status,
                               finished_at, created_at)
       VALUES ('k', $1, 'failed-1', 'v1:k:iv:x', 'failed', now() - interval '400 days',
               now() - interval '400 days'),
              ('k', $1, 'pending-1', 'v1:k:iv:x', 'pending', NULL, now() - interval '400 days')`,
      [COMPONENT],
    );
  });

  afterAll(async () => {
    await ds?.destroy();
    await c?.end();
    await db?.drop();
  });

  const count = async (table: string): Promise<number> =>
    Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);

  it('prunes old rows in batches and keeps recent ones, history and unfinished jobs', async () => {
    const config = { schedulers: false, retention: { batchSize: 64 } } as PlatformConfig;
    const service = new RetentionService(config, new RetentionRepository(ds), new SystemClock());
    const results = await service.runOnce();
    for (const r of results) {
      expect(r, r.table).toMatchObject({ deleted: OLD, stopped: 'done' });
      expect(r.batches, r.table).toBe(Math.ceil(OLD / 64) + (OLD % 64 === 0 ? 1 : 0));
    }
    expect(await count('wechat_event_log')).toBe(RECENT);
    expect(await count('authorizer_refresh_log')).toBe(RECENT);
    expect(await count('secret_access_log')).toBe(RECENT);
    expect(await count(`wechat_job WHERE status = 'done'`)).toBe(RECENT);
    expect(await count(`wechat_job WHERE status <> 'done'`)).toBe(2);
    expect(await count('authorizer_history')).toBe(OLD + RECENT);
    // A second run has nothing to do.
    expect((await service.runOnce()).map((r) => r.deleted)).toEqual([0, 0, 0, 0]);
  });

  it('stops at the time budget; the next run goes on', async () => {
    await c.query(
      `INSERT INTO authorizer_refresh_log (component_appid, authorizer_appid, instance, trigger,
                                           result, duration_ms, at)
       SELECT $1, $2, 'i', 'schedule', 'ok', 1, now() - interval '40 days'
         FROM generate_series(1, 10)`,
      [COMPONENT, ACCOUNT],
    );
    // Each batch takes a second of a fake clock; the budget allows two and a half.
    let t = 0;
    const clock = new (class extends SystemClock {
      override now(): Date {
        return new Date(Date.now() + t);
      }
    })();
    const real = new RetentionRepository(ds);
    const slow = {
      pruneBatch: (...args: Parameters<RetentionRepository['pruneBatch']>) => {
        t += 1000;
        return real.pruneBatch(...args);
      },
    } as RetentionRepository;
    const config = {
      schedulers: false,
      retention: { batchSize: 1, budgetMs: 2500 },
    } as PlatformConfig;
    const first = await new RetentionService(config, slow, clock).runOnce();
    expect(first.map((r) => [r.table, r.batches, r.stopped])).toEqual([
      ['wechat_event_log', 1, 'done'],
      ['authorizer_refresh_log', 2, 'budget'],
      ['secret_access_log', 0, 'budget'],
      ['wechat_job', 0, 'budget'],
    ]);
    expect(await count('authorizer_refresh_log')).toBe(RECENT + 8);
    const unlimited = { schedulers: false, retention: { batchSize: 4 } } as PlatformConfig;
    const service = new RetentionService(unlimited, new RetentionRepository(ds), new SystemClock());
    const second = await service.runOnce();
    expect(second.find((r) => r.table === 'authorizer_refresh_log')?.deleted).toBe(8);
    expect(await count('authorizer_refresh_log')).toBe(RECENT);
  });

  it('a plain DELETE is still refused, the exemption does not leak out of the function', async () => {
    for (const log of ['wechat_event_log', 'authorizer_refresh_log', 'secret_access_log']) {
      await c.query('BEGIN');
      try {
        await c.query(`SELECT prune_retention_batch($1, now() - interval '2 days', 10)`, [log]);
        await expect(c.query(`DELETE FROM ${log}`)).rejects.toThrow(`${log} is append-only`);
      } finally {
        await c.query('ROLLBACK');
      }
    }
    await expect(
      c.query(`SELECT prune_retention_batch('authorizer_history', now() - interval '2 days', 10)`),
    ).rejects.toThrow('no retention policy for table authorizer_history');
    await expect(
      c.query(`SELECT prune_retention_batch('wechat_event_log', now(), 10)`),
    ).rejects.toThrow('at least a day old');
  });

  it('another session pruning the same table makes a batch return -1', async () => {
    const other = new Client({ connectionString: db.url });
    if (db.kind === 'embedded') return; // one connection only
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query(`SELECT prune_retention_batch('wechat_job', now() - interval '2 days', 1)`);
      const { rows } = await c.query<{ n: number }>(
        `SELECT prune_retention_batch('wechat_job', now() - interval '2 days', 1) AS n`,
      );
      expect(rows[0].n).toBe(-1);
      await other.query('ROLLBACK');
    } finally {
      await other.end();
    }
  });

  it('a role granted EXECUTE prunes through the function, never by setting the option itself', async () => {
    if (db.kind === 'embedded') return; // PGlite has no roles to speak of
    await c.query(
      `INSERT INTO authorizer_refresh_log (component_appid, authorizer_appid, instance, trigger,
                                           result, duration_ms, at)
       SELECT $1, $2, 'i', 'schedule', 'ok', 1, now() - interval '40 days'
         FROM generate_series(1, 5)`,
      [COMPONENT, ACCOUNT],
    );
    const role = `wop_pruner_${randomBytes(4).toString('hex')}`;
    await c.query(`CREATE ROLE ${role} NOLOGIN`);
    try {
      await c.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
      await c.query(`GRANT SELECT, DELETE ON authorizer_refresh_log TO ${role}`);
      await c.query(
        `GRANT EXECUTE ON FUNCTION prune_retention_batch(text, timestamptz, integer) TO ${role}`,
      );
      await c.query('BEGIN');
      try {
        await c.query(`SET LOCAL ROLE ${role}`);
        await c.query(`SELECT set_config('wop.retention_pruning', 'on', true)`);
        await expect(
          c.query(`DELETE FROM authorizer_refresh_log WHERE at < now() - interval '1 day'`),
        ).rejects.toThrow('authorizer_refresh_log is append-only');
      } finally {
        await c.query('ROLLBACK');
      }
      await c.query('BEGIN');
      try {
        await c.query(`SET LOCAL ROLE ${role}`);
        const { rows } = await c.query<{ n: number }>(
          `SELECT prune_retention_batch('authorizer_refresh_log', now() - interval '2 days', 100) AS n`,
        );
        expect(rows[0].n).toBe(5);
        await c.query('COMMIT');
      } catch (error) {
        await c.query('ROLLBACK');
        throw error;
      }
      expect(await count(`authorizer_refresh_log WHERE at < now() - interval '1 day'`)).toBe(0);
    } finally {
      await c.query(
        `REVOKE ALL ON FUNCTION prune_retention_batch(text, timestamptz, integer) FROM ${role}`,
      );
      await c.query(`REVOKE ALL ON authorizer_refresh_log FROM ${role}`);
      await c.query(`REVOKE ALL ON SCHEMA public FROM ${role}`);
      await c.query(`DROP ROLE ${role}`);
    }
  });

  it('an ordinary role cannot execute the function', async () => {
    if (db.kind === 'embedded') return; // PGlite has no roles to speak of
    const role = `wop_retention_probe_${randomBytes(4).toString('hex')}`;
    await c.query(`CREATE ROLE ${role} NOLOGIN`);
    try {
      await c.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
      await c.query('BEGIN');
      try {
        await c.query(`SET LOCAL ROLE ${role}`);
        await expect(
          c.query(
            `SELECT prune_retention_batch('wechat_event_log', now() - interval '2 days', 10)`,
          ),
        ).rejects.toThrow('permission denied for function prune_retention_batch');
      } finally {
        await c.query('ROLLBACK');
      }
      const { rows } = await c.query<{ owner: string; definer: boolean }>(
        `SELECT pg_get_userbyid(proowner) AS owner, prosecdef AS definer FROM pg_proc
          WHERE proname = 'prune_retention_batch'`,
      );
      expect(rows).toEqual([{ owner: 'wop_retention', definer: true }]);
    } finally {
      await c.query(`REVOKE ALL ON SCHEMA public FROM ${role}`);
      await c.query(`DROP ROLE ${role}`);
    }
  });
});
