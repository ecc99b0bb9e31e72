import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AuthorizerService,
  JsApiService,
  signCard,
  signChooseCard,
  signJsSdk,
} from '@app/wechat-open';
import { eventually, startStack, TestPlatform, TestStack } from '../support/stack.js';

const newAppid = () => `wxa${randomBytes(7).toString('hex')}`;

const account = (appid: string) => ({
  appid,
  userName: `gh_${appid.slice(3, 15)}`,
  nickName: `Shop ${appid.slice(-4)}`,
  kind: 'official_account',
  principalName: 'Sandbox Trading Co.',
});

/** Authorizes `appid` for the stack's component (the push is redeemed in the background). */
async function authorize(stack: TestStack, appid: string): Promise<void> {
  await stack.sandbox.authorize(stack.component.appid, appid);
  const registry = stack.platform.get(AuthorizerService);
  await eventually(async () => {
    const record = await registry.find(stack.component.appid, appid);
    const health = await registry.tokenHealth(stack.component.appid, appid);
    return record?.status === 'authorized' && health?.hasAccessToken;
  });
}

const getticketCalls = async (stack: TestStack, appid: string) =>
  (await stack.sandbox.counters()).callsByAccount.getticket?.[appid] ?? 0;

const ticketRows = async (platform: TestPlatform, appid: string) =>
  platform
    .get(DataSource)
    .query<{ ticket_type: string; ticket_ciphertext: string | null }[]>(
      `SELECT ticket_type, ticket_ciphertext FROM jsapi_ticket WHERE authorizer_appid = $1 ORDER BY ticket_type`,
      [appid],
    );

describe('JS-SDK tickets and signatures', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('fetches the jsapi ticket with the AAT once, stores it encrypted, reuses it, and signs verifiable configs', async () => {
    const appid = newAppid();
    const open = newAppid();
    stack = await startStack({
      accounts: [account(appid), account(open)],
      platform: {
        schedulers: false,
        jsapi: { allowedDomains: { [appid]: ['pages.example.com'] } },
      },
    });
    await authorize(stack, appid);
    const jsapi = stack.platform.get(JsApiService);
    const url = 'https://pages.example.com/shop?id=7&from=timeline';

    const config = await jsapi.getJsSdkConfig(
      appid,
      `${url}#/cart`,
      ['chooseImage'],
      stack.component.appid,
    );
    expect(config.appId).toBe(appid);
    expect(config.jsApiList).toEqual(['chooseImage']);
    expect(Number.isInteger(config.timestamp)).toBe(true);
    expect(Math.abs(config.timestamp - Date.now() / 1000)).toBeLessThan(60);
    const counters = await stack.sandbox.counters();
    // The sandbox's getticket accepts only authorizer_access_tokens: one call, one AAT, none refused.
    expect(counters.callsByAccount.getticket).toEqual({ [appid]: 1 });
    expect(counters.tokensIssued.jsapi_ticket).toBe(1);
    expect(counters.invalidTokensPresented).toEqual([]);

    const ticket = await jsapi.getTicket(appid); // component resolved from the registry
    expect(
      signJsSdk({ ticket, nonceStr: config.nonceStr, timestamp: config.timestamp, url }).signature,
    ).toBe(config.signature);

    const again = await jsapi.getJsSdkConfig(appid, url);
    expect(again.nonceStr).not.toBe(config.nonceStr);
    expect(
      signJsSdk({ ticket, nonceStr: again.nonceStr, timestamp: again.timestamp, url }).signature,
    ).toBe(again.signature);
    expect(await getticketCalls(stack, appid)).toBe(1);

    const rows = await ticketRows(stack.platform, appid);
    expect(rows).toHaveLength(1);
    expect(rows[0].ticket_ciphertext).toMatch(/^v1:/);
    expect(rows[0].ticket_ciphertext).not.toContain(ticket);
    expect((await jsapi.status(appid)).lastUsedAt).toBeInstanceOf(Date);

    // Another instance reads the stored ticket instead of spending getticket quota.
    const second = await stack.startInstance({ schedulers: false, instanceId: 'second' });
    expect(await second.get(JsApiService).getTicket(appid)).toBe(ticket);
    expect(await getticketCalls(stack, appid)).toBe(1);

    // Domain allow-list: refused before any ticket is touched; other accounts are not limited.
    await expect(
      jsapi.getJsSdkConfig(appid, 'https://evil.example.net/shop'),
    ).rejects.toMatchObject({
      code: 'JSSDK_URL_NOT_ALLOWED',
      meta: { authorizerAppid: appid, host: 'evil.example.net' },
    });
    await expect(jsapi.getJsSdkConfig(appid, 'not a url')).rejects.toMatchObject({
      code: 'JSSDK_URL_INVALID',
    });
    await authorize(stack, open);
    await expect(
      jsapi.getJsSdkConfig(open, 'https://anywhere.example.org/'),
    ).resolves.toMatchObject({ appId: open });
    expect(await getticketCalls(stack, appid)).toBe(1);
  });

  it('fetches the wx_card ticket separately and signs cardExt and chooseCard with it', async () => {
    const appid = newAppid();
    stack = await startStack({ accounts: [account(appid)], platform: { schedulers: false } });
    await authorize(stack, appid);
    const jsapi = stack.platform.get(JsApiService);

    const ext = await jsapi.getCardExt(appid, { cardId: 'pCard0001', code: '1434008071' });
    const cardTicket = await jsapi.getTicket(appid, 'wx_card');
    const parsed = JSON.parse(ext.cardExt) as Record<string, string>;
    expect(parsed).toMatchObject({
      code: '1434008071',
      nonce_str: ext.nonceStr,
      timestamp: String(ext.timestamp),
    });
    expect(parsed.signature).toBe(
      signCard({
        apiTicket: cardTicket,
        timestamp: ext.timestamp,
        nonceStr: ext.nonceStr,
        cardId: 'pCard0001',
        code: '1434008071',
      }).signature,
    );
    const choose = await jsapi.getChooseCardConfig(appid, { cardType: 'GROUPON' });
    expect(choose.cardSign).toBe(
      signChooseCard({
        apiTicket: cardTicket,
        appId: appid,
        timestamp: choose.timestamp,
        nonceStr: choose.nonceStr,
        cardType: 'GROUPON',
      }).signature,
    );
    const counters = await stack.sandbox.counters();
    expect(counters.tokensIssued.wx_card_ticket).toBe(1);
    expect(counters.tokensIssued.jsapi_ticket ?? 0).toBe(0);
    expect(counters.callsByAccount.getticket).toEqual({ [appid]: 1 });
  });

  it('refreshes the authorizer token and then the ticket, once, when getticket answers 40001', async () => {
    const appid = newAppid();
    stack = await startStack({ accounts: [account(appid)], platform: { schedulers: false } });
    await authorize(stack, appid);
    const jsapi = stack.platform.get(JsApiService);
    const tokensBefore = (await stack.sandbox.counters()).tokensIssued.authorizer_access_token ?? 0;

    await stack.sandbox.fault({ endpoint: 'getticket', errcode: 40001, count: 1 });
    const config = await jsapi.getJsSdkConfig(appid, 'https://pages.example.com/a');
    const ticket = await jsapi.getTicket(appid);
    expect(
      signJsSdk({
        ticket,
        nonceStr: config.nonceStr,
        timestamp: config.timestamp,
        url: 'https://pages.example.com/a',
      }).signature,
    ).toBe(config.signature);
    let counters = await stack.sandbox.counters();
    expect(counters.calls.getticket).toBe(2);
    expect(counters.tokensIssued.authorizer_access_token).toBe(tokensBefore + 1);

    // A token WeChat really stopped accepting: the wx_card fetch recovers the same way.
    await stack.sandbox.invalidateToken(appid);
    await expect(jsapi.getCardExt(appid, { cardId: 'pCard0002' })).resolves.toHaveProperty(
      'signature',
    );
    counters = await stack.sandbox.counters();
    expect(counters.calls.getticket).toBe(4);
    expect(counters.tokensIssued.authorizer_access_token).toBe(tokensBefore + 2);
    expect(counters.invalidTokensPresented.map((i) => [i.endpoint, i.reason])).toEqual([
      ['getticket', 'invalidated'],
    ]);

    // A second 40001 in a row is not retried forever: the error reaches the caller.
    await stack.sandbox.fault({ endpoint: 'getticket', errcode: 40001, count: 2 });
    const other = newAppid();
    await stack.sandbox.addAccount(account(other));
    await authorize(stack, other);
    await expect(jsapi.getJsSdkConfig(other, 'https://pages.example.com/')).rejects.toMatchObject({
      code: 'WECHAT_40001',
    });
    // A failed fetch backs off (60 s) before WeChat is asked again: let that pause run out.
    await stack.platform
      .get(DataSource)
      .query(`UPDATE jsapi_ticket SET retry_at = now() WHERE authorizer_appid = $1`, [other]);
    await expect(jsapi.getJsSdkConfig(other, 'https://pages.example.com/')).resolves.toMatchObject({
      appId: other,
    });
  });

  it('deletes the tickets of a revoked account and refuses it with AUTHORIZER_REVOKED', async () => {
    const appid = newAppid();
    stack = await startStack({ accounts: [account(appid)], platform: { schedulers: false } });
    await authorize(stack, appid);
    const jsapi = stack.platform.get(JsApiService);
    const component = stack.component.appid;
    await jsapi.getJsSdkConfig(appid, 'https://pages.example.com/');
    await jsapi.getCardExt(appid, { cardId: 'pCard0003' });
    expect(await ticketRows(stack.platform, appid)).toHaveLength(2);

    await stack.sandbox.revoke(component, appid);
    await eventually(async () => (await ticketRows(stack!.platform, appid)).length === 0);
    await expect(jsapi.getJsSdkConfig(appid, 'https://pages.example.com/')).rejects.toMatchObject({
      code: 'AUTHORIZER_REVOKED',
    });
    await expect(jsapi.getTicket(appid, 'wx_card', component)).rejects.toMatchObject({
      code: 'AUTHORIZER_REVOKED',
    });
    expect(await getticketCalls(stack, appid)).toBe(2);
  });

  it('refreshes tickets before expiry while they are used, and lets an idle one lapse', async () => {
    const appid = newAppid();
    stack = await startStack({
      accounts: [account(appid)],
      // WeChat's grace for superseded tokens is kept: what is checked is that no token is presented
      // expired, not the race of a request in flight with the refresh that supersedes its token.
      sandboxSettings: { jsapiTicketTtlSec: 4, authorizerTokenTtlSec: 6 },
      platform: {
        minTokenRemainingSec: 1,
        jsapi: { refreshMarginSec: 2, keepWarmSec: 3, cron: '*/1 * * * * *' },
      },
    });
    await authorize(stack, appid);
    const jsapi = stack.platform.get(JsApiService);
    const url = 'https://pages.example.com/p';

    const seen = new Set<string>();
    let checked = 0;
    const until = Date.now() + 8_000;
    while (Date.now() < until) {
      // The ticket read before and after the config: when they agree, the config was signed with
      // it (a refresh can land between two calls, and then this round proves nothing).
      const before = await jsapi.getTicket(appid);
      const config = await jsapi.getJsSdkConfig(appid, url);
      const ticket = await jsapi.getTicket(appid);
      seen.add(ticket);
      if (ticket === before) {
        checked += 1;
        expect(
          signJsSdk({ ticket, nonceStr: config.nonceStr, timestamp: config.timestamp, url })
            .signature,
        ).toBe(config.signature);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(checked).toBeGreaterThanOrEqual(10);
    let counters = await stack.sandbox.counters();
    expect(counters.tokensIssued.jsapi_ticket).toBeGreaterThanOrEqual(3);
    expect(seen.size).toBeGreaterThanOrEqual(3);
    // The authorizer token was refreshed underneath too, and never presented expired.
    expect(counters.tokensIssued.authorizer_access_token).toBeGreaterThanOrEqual(2);
    expect(counters.invalidTokensPresented).toEqual([]);
    expect(counters.errcodes['40001'] ?? 0).toBe(0);
    expect(counters.errcodes['42001'] ?? 0).toBe(0);

    // Idle now: at most one more keep-warm refresh (while the last use is within keepWarmSec),
    // then the ticket is left to expire rather than spend quota.
    await new Promise((r) => setTimeout(r, 4_500)); // keepWarmSec and a sweep's worth of slack
    const settled = await jsapi.status(appid);
    await eventually(async () => Date.now() > settled.expiresAt!.getTime() + 1_500, 10_000);
    expect((await jsapi.status(appid)).version).toBe(settled.version);
    counters = await stack.sandbox.counters();
    const fetched = counters.callsByAccount.getticket[appid];
    // The next use fetches again.
    await jsapi.getJsSdkConfig(appid, url);
    expect(await getticketCalls(stack, appid)).toBe(fetched + 1);
  });

  it('is fetched once when two instances need it at the same moment', async ({ skip }) => {
    const appid = newAppid();
    stack = await startStack({ accounts: [account(appid)], platform: { schedulers: false } });
    if (stack.db.kind !== 'real') skip('needs a real PostgreSQL with several connections');
    await authorize(stack, appid);
    const second = await stack.startInstance({ schedulers: false, instanceId: 'second' });
    const a = stack.platform.get(JsApiService);
    const b = second.get(JsApiService);
    const got = await Promise.all([
      a.getTicket(appid),
      b.getTicket(appid),
      a.getTicket(appid),
      b.getTicket(appid),
    ]);
    expect(new Set(got).size).toBe(1);
    expect(await getticketCalls(stack, appid)).toBe(1);
  });
});
