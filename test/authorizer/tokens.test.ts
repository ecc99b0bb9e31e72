import { Client } from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AuthorizerEvents,
  AuthorizerRefreshScheduler,
  AuthorizerService,
  AuthorizerTokenService,
} from '@app/wechat-open';
import { AuthorizerTokenRepository } from '../../libs/wechat-open/src/authorizer/authorizer-token.repository.js';
import { authorizeAccount } from '../support/accounts.js';
import { eventually, startStack, TestStack } from '../support/stack.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Tokens refused for the platform's own fault (the sandbox's invalidations and revocations aside). */
const platformFaults = (c: { invalidTokensPresented: { reason: string }[] }) =>
  c.invalidTokensPresented.filter(
    (t) => t.reason === 'expired' || t.reason === 'superseded' || t.reason === 'unknown',
  );

describe('authorizer tokens', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('are refreshed before expiry, cycle after cycle, and never presented expired', async () => {
    stack = await startStack({
      sandboxSettings: { authorizerTokenTtlSec: 5, tokenGraceSec: 1 },
      platform: { minTokenRemainingSec: 1 },
    });
    const accountsList = [await authorizeAccount(stack), await authorizeAccount(stack)];
    const tokens = stack.platform.get(AuthorizerTokenService);
    const deadline = Date.now() + 12_000;
    let calls = 0;
    while (Date.now() < deadline) {
      for (const a of accountsList) {
        await tokens.call(a.appid, '/cgi-bin/user/info', { query: { openid: 'o-user-1' } });
        calls++;
      }
      await sleep(100);
    }
    const c = await stack.sandbox.counters();
    expect(calls).toBeGreaterThan(50);
    for (const a of accountsList)
      expect(c.callsByAccount.api_authorizer_token?.[a.appid]).toBeGreaterThanOrEqual(2);
    expect(platformFaults(c)).toEqual([]);
    expect(c.errcodes['40001'] ?? 0).toBe(0);
  });

  it('three instances on one database refresh each token once per cycle', async ({ skip }) => {
    stack = await startStack({
      sandboxSettings: { authorizerTokenTtlSec: 6 },
      platform: { minTokenRemainingSec: 1 },
    });
    if (stack.db.kind !== 'real') skip('needs a real PostgreSQL with several connections');
    const instances = [
      stack.platform,
      await stack.startInstance({ instanceId: 'second' }),
      await stack.startInstance({ instanceId: 'third' }),
    ];
    const list: { appid: string }[] = [];
    for (let i = 0; i < 6; i++) list.push(await authorizeAccount(stack));
    const db = new Client(stack.db.url);
    await db.connect();
    try {
      const perAccount = async () =>
        (
          await db.query<{ authorizer_appid: string; ok: string; other: string }>(
            `SELECT authorizer_appid, count(*) FILTER (WHERE result = 'ok') AS ok,
                    count(*) FILTER (WHERE result <> 'ok') AS other
               FROM authorizer_refresh_log GROUP BY authorizer_appid`,
          )
        ).rows;
      // Three sweepers a second each, a 6 s life refreshed at ~4.5 s: wait for two cycles.
      await eventually(async () => {
        const rows = await perAccount();
        return list.every(
          (a) => Number(rows.find((r) => r.authorizer_appid === a.appid)?.ok ?? 0) >= 2,
        );
      }, 30_000);
      // Stop every instance (each finishes the refresh in flight) so that counts are final.
      for (const instance of instances) await instance.stop();
      const rows = await perAccount();
      const c = await stack.sandbox.counters();
      for (const a of list) {
        const row = rows.find((r) => r.authorizer_appid === a.appid)!;
        // Every call WeChat saw produced the stored token: no instance refreshed a token another
        // had just refreshed (that would show as an extra call and a discarded_stale row).
        expect(Number(row.ok)).toBe(c.callsByAccount.api_authorizer_token[a.appid]);
        expect(Number(row.other)).toBe(0);
      }
      expect(platformFaults(c)).toEqual([]);
    } finally {
      await db.end();
    }
  });

  it('an instance that dies mid-sweep loses nothing: its claims come due again after the lease', async () => {
    stack = await startStack({ platform: { schedulers: false } });
    const a = await authorizeAccount(stack);
    const b = await authorizeAccount(stack);
    const db = new Client(stack.db.url);
    await db.connect();
    try {
      await db.query(`UPDATE authorizer_token SET next_refresh_at = now() - interval '1 second'`);
      const repo = stack.platform.get(AuthorizerTokenRepository);
      const now = new Date();
      // "dead" claims both rows with a 1 s lease, then never finishes.
      const claimed = await repo.claimDue('dead', now, new Date(now.getTime() + 1000), 10);
      expect(claimed.map((c) => c.authorizerAppid).sort()).toEqual([a.appid, b.appid].sort());
      const scheduler = stack.platform.get(AuthorizerRefreshScheduler);
      expect((await scheduler.sweep()).claimed).toBe(0); // leased: not taken over early
      await sleep(1100);
      const result = await scheduler.sweep();
      expect(result).toMatchObject({ claimed: 2, ok: 2 });
      const { rows } = await db.query(
        `SELECT count(*)::int AS n FROM authorizer_token WHERE next_refresh_at <= now()`,
      );
      expect(rows[0].n).toBe(0);
    } finally {
      await db.end();
    }
  });

  it('a token forced invalid in the sandbox is recovered by one on-behalf call', async () => {
    stack = await startStack({ platform: { schedulers: false } });
    const a = await authorizeAccount(stack);
    const tokens = stack.platform.get(AuthorizerTokenService);
    const before = await tokens.getAuthorizerAccessToken(a.appid);
    await stack.sandbox.invalidateToken(a.appid);
    const answer = await tokens.call(a.appid, '/cgi-bin/user/info', {
      query: { openid: 'o-user-1' },
    });
    expect(answer.errcode ?? 0).toBe(0);
    expect(await tokens.getAuthorizerAccessToken(a.appid)).not.toBe(before);
    const c = await stack.sandbox.counters();
    expect(c.callsByAccount.api_authorizer_token[a.appid]).toBe(1);
    expect(c.calls.user_info).toBe(2); // the refused call and its one retry
  });

  it('cached reads with the component named never hand out a copy past its time or one reported rejected', async () => {
    // No sweep: only the reads themselves can replace a copy that ran out.
    stack = await startStack({
      sandboxSettings: { authorizerTokenTtlSec: 3, tokenGraceSec: 0 },
      platform: { schedulers: false, minTokenRemainingSec: 1 },
    });
    const a = await authorizeAccount(stack);
    const component = stack.component.appid;
    const tokens = stack.platform.get(AuthorizerTokenService);
    const first = await tokens.getAuthorizerAccessToken(a.appid, component);
    expect(await tokens.getAuthorizerAccessToken(a.appid, component)).toBe(first);
    // Reported rejected: the next read is another token, and the rejected one never comes back.
    const next = await tokens.rejectToken(a.appid, first, component);
    expect(next.token).not.toBe(first);
    expect(await tokens.getAuthorizerAccessToken(a.appid, component)).toBe(next.token);
    // Reads past several lifetimes of 3 s: each copy is given up before it expires.
    const deadline = Date.now() + 8_000;
    const seen = new Set<string>();
    while (Date.now() < deadline) {
      const token = await tokens.getAuthorizerAccessToken(a.appid, component);
      expect(token).not.toBe(first);
      seen.add(token);
      await tokens.call(a.appid, '/cgi-bin/user/info', {
        componentAppid: component,
        query: { openid: 'o-user-1' },
      });
      await sleep(50);
    }
    expect(seen.size).toBeGreaterThanOrEqual(3);
    const c = await stack.sandbox.counters();
    expect(platformFaults(c)).toEqual([]);
    expect(c.errcodes['40001'] ?? 0).toBe(0);
  });

  describe('WeChat errors while refreshing', () => {
    const setup = async () => {
      stack = await startStack({ platform: { schedulers: false } });
      const a = await authorizeAccount(stack);
      const db = new Client(stack.db.url);
      await db.connect();
      await db.query(`UPDATE authorizer_token SET next_refresh_at = now() - interval '1 second'`);
      await db.end();
      return {
        a,
        scheduler: stack.platform.get(AuthorizerRefreshScheduler),
        accounts: stack.platform.get(AuthorizerService),
      };
    };

    it('61023 once: recovers the refresh token from api_get_authorizer_list and refreshes', async () => {
      const { a, scheduler, accounts } = await setup();
      await stack!.sandbox.fault({ endpoint: 'api_authorizer_token', errcode: 61023, count: 1 });
      expect(await scheduler.sweep()).toMatchObject({ ok: 1 });
      expect((await stack!.sandbox.counters()).calls.api_get_authorizer_list).toBe(1);
      expect((await accounts.get(stack!.component.appid, a.appid)).status).toBe('authorized');
    });

    it('61023 for good: needs_reauth, refreshing stops, the app is told', async () => {
      const { a, scheduler, accounts } = await setup();
      const told: string[] = [];
      stack!.platform.get(AuthorizerEvents).on('needs_reauth', (e) => {
        told.push(e.record.authorizerAppid);
      });
      await stack!.sandbox.fault({ endpoint: 'api_authorizer_token', errcode: 61023 });
      expect(await scheduler.sweep()).toMatchObject({ needs_reauth: 1 });
      expect((await accounts.get(stack!.component.appid, a.appid)).status).toBe('needs_reauth');
      expect(told).toEqual([a.appid]);
      expect((await scheduler.sweep()).claimed).toBe(0);
      await expect(
        stack!.platform.get(AuthorizerTokenService).getAuthorizerAccessToken(a.appid),
      ).rejects.toMatchObject({
        code: 'AUTHORIZER_NEEDS_REAUTH',
      });
    });

    it('61003: the account is marked revoked', async () => {
      const { a, scheduler, accounts } = await setup();
      await stack!.sandbox.fault({ endpoint: 'api_authorizer_token', errcode: 61003 });
      expect(await scheduler.sweep()).toMatchObject({ revoked: 1 });
      expect((await accounts.get(stack!.component.appid, a.appid)).status).toBe('revoked');
    });

    it('45009: stops and reports, no retry storm', async () => {
      const { a, scheduler } = await setup();
      const told: string[] = [];
      stack!.platform.get(AuthorizerEvents).on('quota_exhausted', (e) => {
        told.push(e.authorizerAppid);
      });
      await stack!.sandbox.fault({ endpoint: 'api_authorizer_token', errcode: 45009 });
      expect(await scheduler.sweep()).toMatchObject({ quota: 1 });
      for (let i = 0; i < 3; i++) expect((await scheduler.sweep()).claimed).toBe(0);
      expect((await stack!.sandbox.counters()).calls.api_authorizer_token).toBe(1);
      expect(told).toEqual([a.appid]);
      const health = await stack!.platform
        .get(AuthorizerService)
        .tokenHealth(stack!.component.appid, a.appid);
      expect(health!.lastErrcode).toBe(45009);
      expect(health!.nextRefreshAt!.getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
    });

    it('-1: retried with backoff; the stored token stays in use meanwhile', async () => {
      const { a, scheduler } = await setup();
      const tokens = stack!.platform.get(AuthorizerTokenService);
      const token = await tokens.getAuthorizerAccessToken(a.appid);
      await stack!.sandbox.fault({ endpoint: 'api_authorizer_token', errcode: -1 });
      expect(await scheduler.sweep()).toMatchObject({ retry_later: 1 });
      expect((await stack!.sandbox.counters()).calls.api_authorizer_token).toBe(3); // the adapter's attempts
      const health = await stack!.platform
        .get(AuthorizerService)
        .tokenHealth(stack!.component.appid, a.appid);
      expect(health).toMatchObject({ failureCount: 1, lastErrcode: -1 });
      expect(health!.nextRefreshAt!.getTime()).toBeGreaterThan(Date.now() + 20_000);
      expect(await tokens.getAuthorizerAccessToken(a.appid)).toBe(token);
      await stack!.sandbox.clearFaults();
    });
  });
});
