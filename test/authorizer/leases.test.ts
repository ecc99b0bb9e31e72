import { Client } from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { WechatOpenError } from '@app/wechat-open';
import { resolveOptions } from '../../libs/wechat-open/src/core/resolve-options.js';
import { authorizeAccount } from '../support/accounts.js';
import { eventually, newComponent, startStack, TestStack } from '../support/stack.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('refresh leases', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('a refresh slower than the lease keeps its short lease renewed: no other instance takes it over', async ({
    skip,
  }) => {
    const leaseSec = 2;
    stack = await startStack({
      platform: {
        httpTimeoutMs: 10_000,
        authorizer: { refreshCron: '*/1 * * * * *', leaseSec },
      },
    });
    if (stack.db.kind !== 'real') skip('needs a real PostgreSQL with several connections');
    const a = await authorizeAccount(stack);
    await stack.startInstance({ instanceId: 'second' });
    // WeChat takes 6 s to answer: three leases' worth.
    await stack.sandbox.fault({ endpoint: 'api_authorizer_token', latencyMs: 6000, count: 1 });
    const db = new Client(stack.db.url);
    await db.connect();
    try {
      await db.query(`UPDATE authorizer_token SET next_refresh_at = now()`);
      const samples: { owner: string | null; left: number }[] = [];
      await eventually(async () => {
        const { rows } = await db.query<{ owner: string | null; left: number | null }>(
          `SELECT lease_owner AS owner, extract(epoch FROM lease_until - now())::float AS left
             FROM authorizer_token WHERE authorizer_appid = $1`,
          [a.appid],
        );
        if (rows[0].owner) samples.push({ owner: rows[0].owner, left: rows[0].left ?? 0 });
        const done = await db.query(
          `SELECT 1 FROM authorizer_refresh_log WHERE authorizer_appid = $1 AND trigger = 'schedule'`,
          [a.appid],
        );
        return done.rows.length > 0;
      }, 20_000);
      // Held the whole time by one owner, never for more than a lease ahead, yet for longer than
      // a lease: renewed while the work went on.
      expect(samples.length).toBeGreaterThan(10);
      expect(new Set(samples.map((s) => s.owner)).size).toBe(1);
      expect(Math.max(...samples.map((s) => s.left))).toBeLessThanOrEqual(leaseSec + 0.5);
      expect(Math.min(...samples.map((s) => s.left))).toBeGreaterThan(0);
      await sleep(1500);
      const c = await stack.sandbox.counters();
      expect(c.calls.api_authorizer_token).toBe(1);
      const { rows } = await db.query<{ result: string }>(
        `SELECT result FROM authorizer_refresh_log WHERE authorizer_appid = $1 AND trigger = 'schedule'`,
        [a.appid],
      );
      expect(rows.map((r) => r.result)).toEqual(['ok']);
    } finally {
      await db.end();
    }
  });

  it('start-up refuses a lease that does not fit well inside the refresh margin', () => {
    const base = {
      components: [newComponent()],
      dataKeys: [{ kid: 't1', key: Buffer.alloc(32, 7) }],
    };
    const error = (() => {
      try {
        resolveOptions({ ...base, authorizer: { refreshMarginSec: 120, leaseSec: 90 } });
      } catch (e) {
        return e as WechatOpenError;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(WechatOpenError);
    expect(error?.code).toBe('CONFIG_INVALID_TIMING');
    expect(error?.message).toMatch(/lease 90 s/);
    expect(resolveOptions(base).authorizer.leaseSec).toBe(30);
  });
});
