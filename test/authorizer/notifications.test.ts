import { Client } from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthorizerTokenService } from '@app/wechat-open';
import { authorizeAccount } from '../support/accounts.js';
import { eventually, startStack, TestStack } from '../support/stack.js';

describe('token change notifications', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('after its LISTEN connection is terminated, an instance reconnects and again learns of another instance refresh at once', async ({
    skip,
  }) => {
    stack = await startStack({ platform: { schedulers: false } });
    if (stack.db.kind !== 'real') skip('needs a real PostgreSQL with several connections');
    const a = await authorizeAccount(stack);
    const other = await stack.startInstance({ schedulers: false, instanceId: 'other' });
    const here = stack.platform.get(AuthorizerTokenService);
    const there = other.get(AuthorizerTokenService);
    const db = new Client(stack.db.url);
    await db.connect();
    try {
      // The listener of the first instance (test-1) names itself.
      const listener = async () =>
        (
          await db.query<{ pid: number }>(
            `SELECT pid FROM pg_stat_activity
              WHERE datname = current_database() AND application_name LIKE '%listener%test-1'`,
          )
        ).rows.map((r) => r.pid);
      const [first] = await eventually(async () => {
        const pids = await listener();
        return pids.length === 1 ? pids : null;
      });
      await db.query(`SELECT pg_terminate_backend($1)`, [first]);
      await eventually(async () => {
        const pids = await listener();
        return pids.length === 1 && pids[0] !== first;
      }, 10_000);

      const before = await here.getAuthorizerAccessToken(a.appid); // cached here now
      await stack.sandbox.invalidateToken(a.appid);
      await there.call(a.appid, '/cgi-bin/user/info', { query: { openid: 'o1' } });
      const after = await there.getAuthorizerAccessToken(a.appid);
      expect(after).not.toBe(before);
      await eventually(async () => (await here.getAuthorizerAccessToken(a.appid)) === after, 2_000);
    } finally {
      await db.end();
    }
  });
});
