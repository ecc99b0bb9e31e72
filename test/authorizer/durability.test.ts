import { afterEach, describe, expect, it } from 'vitest';
import { AuthorizerService, AuthorizerTokenService } from '@app/wechat-open';
import { authorizeAccount, newAccount } from '../support/accounts.js';
import { eventually, startStack, TestStack } from '../support/stack.js';

describe('work that outlives a request', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('an authorization pushed while WeChat fails is redeemed after a restart', async () => {
    stack = await startStack();
    await stack.sandbox.fault({ endpoint: 'api_query_auth', httpStatus: 503 });
    const account = newAccount();
    await stack.sandbox.addAccount(account);
    const { pushed } = await stack.sandbox.authorize(stack.component.appid, account.appid);
    expect(pushed).toBe(true); // answered `success` at once: the code is recorded, not yet redeemed
    await eventually(
      async () => ((await stack!.sandbox.counters()).calls.api_query_auth ?? 0) >= 3,
    );
    await stack.platform.stop();
    await stack.sandbox.clearFaults();
    const restarted = await stack.startInstance({ instanceId: 'after-restart' });
    const accounts = restarted.get(AuthorizerService);
    await eventually(
      async () =>
        (await accounts.find(stack!.component.appid, account.appid))?.status === 'authorized',
      20_000,
    );
  });

  it('an instance learns of a refresh made by another at once (LISTEN/NOTIFY)', async ({
    skip,
  }) => {
    stack = await startStack({ platform: { schedulers: false } });
    if (stack.db.kind !== 'real') skip('needs a real PostgreSQL with several connections');
    const a = await authorizeAccount(stack);
    const other = await stack.startInstance({ schedulers: false, instanceId: 'other' });
    const here = stack.platform.get(AuthorizerTokenService);
    const there = other.get(AuthorizerTokenService);
    const before = await here.getAuthorizerAccessToken(a.appid); // cached here now
    // The other instance meets a 40001 and refreshes the token.
    await stack.sandbox.invalidateToken(a.appid);
    await there.call(a.appid, '/cgi-bin/user/info', { query: { openid: 'o1' } });
    const after = await there.getAuthorizerAccessToken(a.appid);
    expect(after).not.toBe(before);
    await eventually(async () => (await here.getAuthorizerAccessToken(a.appid)) === after, 2_000);
  });
});
