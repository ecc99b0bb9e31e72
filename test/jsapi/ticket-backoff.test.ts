import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthorizerService, JsApiService, WechatOpenError } from '@app/wechat-open';
import { eventually, startStack, TestStack } from '../support/stack.js';

const newAppid = () => `wxa${randomBytes(7).toString('hex')}`;

const account = (appid: string) => ({
  appid,
  userName: `gh_${appid.slice(3, 15)}`,
  nickName: `Shop ${appid.slice(-4)}`,
  kind: 'official_account',
  principalName: 'Sandbox Trading Co.',
});

async function authorize(stack: TestStack, appid: string): Promise<void> {
  await stack.sandbox.authorize(stack.component.appid, appid);
  const registry = stack.platform.get(AuthorizerService);
  await eventually(async () => {
    const record = await registry.find(stack.component.appid, appid);
    const health = await registry.tokenHealth(stack.component.appid, appid);
    return record?.status === 'authorized' && health?.hasAccessToken;
  });
}

/** Every call of the endpoint, refused ones included (each test has one account). */
const calls = async (stack: TestStack, endpoint: string) =>
  (await stack.sandbox.counters()).calls[endpoint] ?? 0;

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<WechatOpenError> {
  try {
    await promise;
  } catch (error) {
    return error as WechatOpenError;
  }
  throw new Error('expected a rejection');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('JS-SDK ticket backoff', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('after a failed keep-warm refresh the sweep waits for the backoff, the stored ticket serves while valid, then requests fail fast', async () => {
    const appid = newAppid();
    stack = await startStack({
      accounts: [account(appid)],
      // 24 s tickets: due 6 s before expiry (a quarter of the life), handed out until 1 s before.
      sandboxSettings: { jsapiTicketTtlSec: 24 },
      platform: {
        minTokenRemainingSec: 1,
        jsapi: { refreshMarginSec: 8, keepWarmSec: 600, cron: '*/1 * * * * *' },
      },
    });
    await authorize(stack, appid);
    const jsapi = stack.platform.get(JsApiService);
    const ticket = await jsapi.getTicket(appid);
    expect(await calls(stack, 'getticket')).toBe(1);

    // WeChat starts refusing (45011 is not retried by the client: one call per try).
    await stack.sandbox.fault({ endpoint: 'getticket', errcode: 45011 });
    await eventually(async () => (await calls(stack!, 'getticket')) >= 2, 30_000);
    const failedAt = Date.now();
    // The sweep runs every second: before the fix it tried again on every run.
    await sleep(2_500);
    expect(await calls(stack, 'getticket')).toBe(2);
    const status = await jsapi.status(appid);
    expect(status.failureCount).toBe(1);
    expect(status.retryAt!.getTime()).toBeGreaterThan(failedAt + 55_000);
    expect(status.retryAt!.getTime()).toBeLessThan(failedAt + 62_000);

    // Still valid: the stored ticket serves, and WeChat is not asked.
    expect(await jsapi.getTicket(appid)).toBe(ticket);
    expect(await calls(stack, 'getticket')).toBe(2);

    // Expired now: refused at once with a typed error, still without calling WeChat.
    await eventually(async () => Date.now() > status.expiresAt!.getTime() - 900, 10_000);
    const refused = await rejection(jsapi.getJsSdkConfig(appid, 'https://pages.example.com/'));
    expect(refused.code).toBe('WECHAT_UNAVAILABLE');
    expect(await calls(stack, 'getticket')).toBe(2);
  });

  it('a 45009 pauses the ticket for an hour: every instance refuses with WECHAT_QUOTA_EXHAUSTED without calling WeChat', async () => {
    const appid = newAppid();
    stack = await startStack({ accounts: [account(appid)], platform: { schedulers: false } });
    await authorize(stack, appid);
    const jsapi = stack.platform.get(JsApiService);
    await stack.sandbox.fault({ endpoint: 'getticket', errcode: 45009 });

    const first = await rejection(jsapi.getJsSdkConfig(appid, 'https://pages.example.com/'));
    expect(first.code).toBe('WECHAT_QUOTA_EXHAUSTED');
    expect(await calls(stack, 'getticket')).toBe(1);
    const second = await rejection(jsapi.getJsSdkConfig(appid, 'https://pages.example.com/'));
    expect(second.code).toBe('WECHAT_QUOTA_EXHAUSTED');
    expect(await calls(stack, 'getticket')).toBe(1);
    const { retryAt } = await jsapi.status(appid);
    expect(retryAt!.getTime()).toBeGreaterThan(Date.now() + 55 * 60_000);

    // The pause is in the database: another instance does not spend quota either.
    const other = await stack.startInstance({ schedulers: false, instanceId: 'other' });
    const there = await rejection(other.get(JsApiService).getTicket(appid, 'jsapi'));
    expect(there.code).toBe('WECHAT_QUOTA_EXHAUSTED');
    expect(await calls(stack, 'getticket')).toBe(1);
  });

  it('after another failure a request fails fast with WECHAT_UNAVAILABLE; once the pause has passed the next one fetches', async () => {
    const appid = newAppid();
    stack = await startStack({ accounts: [account(appid)], platform: { schedulers: false } });
    await authorize(stack, appid);
    const jsapi = stack.platform.get(JsApiService);
    await stack.sandbox.fault({ endpoint: 'getticket', errcode: 45011, count: 1 });

    expect((await rejection(jsapi.getTicket(appid))).code).toBe('WECHAT_45011');
    expect((await rejection(jsapi.getTicket(appid))).code).toBe('WECHAT_UNAVAILABLE');
    expect(await calls(stack, 'getticket')).toBe(1);

    // The pause runs out (moved into the past rather than waited for).
    await stack.platform
      .get(DataSource)
      .query(`UPDATE jsapi_ticket SET retry_at = now() - interval '1 second'`);
    await expect(jsapi.getTicket(appid)).resolves.toEqual(expect.any(String));
    expect(await calls(stack, 'getticket')).toBe(2);
    expect(await jsapi.status(appid)).toMatchObject({ failureCount: 0, retryAt: null });
  });

  it("a token that cannot be refreshed counts as a failed ticket fetch: the next request calls neither getticket nor the token's refresh", async () => {
    const appid = newAppid();
    stack = await startStack({ accounts: [account(appid)], platform: { schedulers: false } });
    await authorize(stack, appid);
    const jsapi = stack.platform.get(JsApiService);
    // getticket refuses the token (40001); refreshing it meets the account's exhausted quota.
    await stack.sandbox.fault({ endpoint: 'api_authorizer_token', errcode: 45009 });
    await stack.sandbox.invalidateToken(appid);

    const first = await rejection(jsapi.getTicket(appid));
    expect(first).toBeInstanceOf(WechatOpenError);
    const before = {
      getticket: await calls(stack, 'getticket'),
      token: await calls(stack, 'api_authorizer_token'),
    };
    expect(before.getticket).toBe(1);

    const second = await rejection(jsapi.getTicket(appid));
    expect(['WECHAT_QUOTA_EXHAUSTED', 'WECHAT_UNAVAILABLE']).toContain(second.code);
    if (first.code === 'WECHAT_QUOTA_EXHAUSTED') expect(second.code).toBe('WECHAT_QUOTA_EXHAUSTED');
    expect(await calls(stack, 'getticket')).toBe(before.getticket);
    expect(await calls(stack, 'api_authorizer_token')).toBe(before.token);
    expect((await jsapi.status(appid)).failureCount).toBe(1);
  });
});
