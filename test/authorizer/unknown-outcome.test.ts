import { Client } from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthorizerService, AuthorizerTokenService } from '@app/wechat-open';
import { authorizeAccount } from '../support/accounts.js';
import { eventually, startStack, TestStack } from '../support/stack.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a refresh whose outcome is unknown', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('is tried again within seconds, so the account holds WeChat newest token before the grace ends', async () => {
    const graceSec = 8;
    stack = await startStack({
      // 60 s tokens: the next normal refresh is ~40 s away, beyond the end of this test.
      sandboxSettings: { authorizerTokenTtlSec: 60, tokenGraceSec: graceSec },
      platform: { httpTimeoutMs: 1000, minTokenRemainingSec: 1 },
    });
    const a = await authorizeAccount(stack);
    const tokens = stack.platform.get(AuthorizerTokenService);
    const accounts = stack.platform.get(AuthorizerService);
    await tokens.getAuthorizerAccessToken(a.appid);
    // The next refresh is answered after the client gave up: WeChat issues a token (superseding
    // ours) that we never see. A token-issuing call is not repeated by the client on a timeout
    // (a repeat could be served before the lost one): one attempt, one lost answer.
    await stack.sandbox.fault({ endpoint: 'api_authorizer_token', latencyMs: 1500, count: 1 });
    const db = new Client(stack.db.url);
    await db.connect();
    try {
      await db.query(`UPDATE authorizer_token SET next_refresh_at = now()`);
      await eventually(async () => {
        const { rows } = await db.query(
          `SELECT 1 FROM authorizer_refresh_log WHERE authorizer_appid = $1 AND result = 'error'`,
          [a.appid],
        );
        return rows.length > 0;
      }, 15_000);
      const failedAt = Date.now();
      const health = await accounts.tokenHealth(stack.component.appid, a.appid);
      // Not the -1 backoff (30 s doubling): a few seconds, well inside WeChat's grace.
      expect(health!.nextRefreshAt!.getTime()).toBeLessThan(failedAt + graceSec * 1000);
      // Use the account's token on and on, past the grace of every token we never saw.
      while (Date.now() < failedAt + (graceSec + 3) * 1000) {
        await tokens.call(a.appid, '/cgi-bin/user/info', { query: { openid: 'o-user-1' } });
        await sleep(200);
      }
      const c = await stack.sandbox.counters();
      expect(c.invalidTokensPresented).toEqual([]);
      expect(c.errcodes['40001'] ?? 0).toBe(0);
      const { rows } = await db.query<{ result: string }>(
        `SELECT result FROM authorizer_refresh_log WHERE authorizer_appid = $1 AND trigger = 'schedule'
          ORDER BY at, id`,
        [a.appid],
      );
      expect(rows.map((r) => r.result)).toEqual(['error', 'ok']);
    } finally {
      await db.end();
    }
  });
});
