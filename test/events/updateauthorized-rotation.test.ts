import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthorizerService, AuthorizerTokenService } from '@app/wechat-open';
import { authorizeAccount } from '../support/accounts.js';
import { eventually, startStack, TestPlatform, TestStack } from '../support/stack.js';

interface SandboxAuthorization {
  authorizerAppid: string;
  refreshToken: string;
  funcInfo: number[];
}

/** What WeChat (the sandbox) says of a token: errcode 0 when it works. */
async function tokenErrcode(sandboxUrl: string, token: string): Promise<number> {
  const res = await fetch(
    `${sandboxUrl}/cgi-bin/ticket/getticket?access_token=${encodeURIComponent(token)}&type=jsapi`,
  );
  const body = (await res.json()) as { errcode?: number };
  return body.errcode ?? 0;
}

describe('updateauthorized rotates the account’s tokens on every instance', () => {
  let stack: TestStack;
  let second: TestPlatform;

  beforeAll(async () => {
    stack = await startStack();
    second = await stack.startInstance();
  });
  afterAll(() => stack.close());

  it('redeems the new code and replaces the refresh token, the permission sets and the cached access token', async () => {
    const c = stack.component.appid;
    const account = await authorizeAccount(stack, 'official_account', [1, 2]);
    const sandboxAuth = async () =>
      (
        await stack.sandbox.request<SandboxAuthorization[]>(
          'GET',
          `/sandbox/components/${c}/authorizations`,
        )
      ).find((a) => a.authorizerAppid === account.appid)!;
    const before = await sandboxAuth();

    // Both instances hold the account's token in memory.
    const tokens = [stack.platform, second].map((p) => p.get(AuthorizerTokenService));
    const old = await tokens[0].getAuthorizerAccessToken(account.appid);
    expect(await tokens[1].getAuthorizerAccessToken(account.appid)).toBe(old);
    expect(await tokenErrcode(stack.sandbox.url, old)).toBe(0);
    const queryAuthBefore = (await stack.sandbox.counters()).calls.api_query_auth ?? 0;

    // The account re-authorizes with new sets: WeChat pushes updateauthorized to instance 1,
    // and the old access token dies at once.
    const update = await stack.sandbox.update(c, account.appid, [1, 2, 7]);
    expect(update).toMatchObject({ infoType: 'updateauthorized', pushed: true });
    expect(await tokenErrcode(stack.sandbox.url, old)).toBe(40001);
    const after = await sandboxAuth();
    expect(after.refreshToken).not.toBe(before.refreshToken);

    // The new code is redeemed (api_query_auth), the sets replaced...
    const accounts = second.get(AuthorizerService);
    await eventually(async () => {
      const record = await accounts.find(c, account.appid);
      return record?.funcInfo.join(',') === '1,2,7';
    });
    expect((await stack.sandbox.counters()).calls.api_query_auth).toBe(queryAuthBefore + 1);
    const history = await accounts.history(c, account.appid);
    expect(history[0]).toMatchObject({ action: 'updated', cause: 'push:updateauthorized' });

    // ...and neither instance serves the old access token any more: the new one works.
    const fresh = await eventually(async () => {
      const served = await Promise.all(
        tokens.map((t) => t.getAuthorizerAccessToken(account.appid)),
      );
      return served.every((t) => t !== old) && served[0] === served[1] && served[0];
    }, 5_000);
    expect(await tokenErrcode(stack.sandbox.url, fresh)).toBe(0);

    // The stored refresh token is the new one: a refresh through api_authorizer_token works
    // (with the old one WeChat would answer 61023).
    const refreshesBefore = (await stack.sandbox.counters()).calls.api_authorizer_token ?? 0;
    const refreshed = await tokens[1].rejectToken(account.appid, fresh);
    expect(refreshed.token).not.toBe(fresh);
    expect(await tokenErrcode(stack.sandbox.url, refreshed.token)).toBe(0);
    const counters = await stack.sandbox.counters();
    expect(counters.calls.api_authorizer_token).toBe(refreshesBefore + 1);
    // The only dead token WeChat saw is the one this test presented: never one of the platform.
    expect(counters.invalidTokensPresented).toEqual([
      expect.objectContaining({ endpoint: 'getticket', reason: 'reauthorized' }),
    ]);
    expect((await accounts.tokenHealth(c, account.appid))?.hasAccessToken).toBe(true);
  });
});
