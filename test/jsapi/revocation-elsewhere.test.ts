import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthorizerEvents, JsApiService } from '@app/wechat-open';
import { authorizeAccount } from '../support/accounts.js';
import { startStack, TestPlatform, TestStack } from '../support/stack.js';

describe('a revocation seen by another instance', () => {
  let stack: TestStack;
  let other: TestPlatform;

  beforeAll(async () => {
    stack = await startStack({ platform: { schedulers: false } });
    other = await stack.startInstance({ schedulers: false, instanceId: 'other' });
  });
  afterAll(() => stack.close());

  it("drops the other instance's cached ticket as soon as NOTIFY says the tokens are gone", async ({
    skip,
  }) => {
    if (stack.db.kind !== 'real') skip('needs a real PostgreSQL with several connections');
    const account = await authorizeAccount(stack);
    const there = other.get(JsApiService);
    const url = 'https://shop.example.com/';
    await expect(there.getJsSdkConfig(account.appid, url)).resolves.toHaveProperty('signature');
    const erased = new Promise<void>((resolve) =>
      other.get(AuthorizerEvents).on('tokens_erased', (e) => {
        if (e.authorizerAppid === account.appid) resolve();
      }),
    );
    // The `unauthorized` push reaches the first instance only.
    await stack.sandbox.revoke(stack.component.appid, account.appid);
    await erased;
    // Without the notification this instance would still sign with its cached ticket here.
    await expect(there.getJsSdkConfig(account.appid, url)).rejects.toMatchObject({
      code: 'AUTHORIZER_REVOKED',
    });
  });
});
