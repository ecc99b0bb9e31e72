import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthorizerService, PreAuthService } from '@app/wechat-open';
import { newAccount } from '../support/accounts.js';
import {
  authorizeThroughPages,
  confirm,
  followEntry,
  get,
  openWechatPage,
} from '../support/browser.js';
import { newComponent, startStack, TestStack } from '../support/stack.js';

const RETURN = 'https://dashboard.example.com/return/';

describe('authorization flow (PreAuth, browser-less)', () => {
  let stack: TestStack;
  let preAuth: PreAuthService;
  let accounts: AuthorizerService;

  beforeAll(async () => {
    stack = await startStack({ platform: { returnUrlAllowList: { '*': [RETURN] } } });
    preAuth = stack.platform.get(PreAuthService);
    accounts = stack.platform.get(AuthorizerService);
  });
  afterAll(() => stack.close());

  const session = (
    tenantId: string,
    extra: Partial<Parameters<PreAuthService['createSession']>[1]> = {},
  ) =>
    preAuth.createSession(stack.component.appid, {
      tenantId,
      returnUrl: `${RETURN}${tenantId}?x=1`,
      ...extra,
    });

  const returned = (location: string | null) => {
    const url = new URL(location ?? 'about:blank');
    return { base: `${url.origin}${url.pathname}`, params: Object.fromEntries(url.searchParams) };
  };

  describe.each([
    ['before_redirect', 'the push arrives before the redirect'],
    ['after_redirect', 'the push arrives after the redirect'],
    ['none', 'no push arrives (the landing alone)'],
  ])('%s: %s', (timing) => {
    it('brings the account to the tenant, with its permissions', async () => {
      await stack.sandbox.settings({ authorizedPushTiming: timing });
      const account = newAccount();
      await stack.sandbox.addAccount(account);
      const s = await session('tenant-a', { authType: 1 });
      const exchangesBefore = (await stack.sandbox.counters()).calls.api_query_auth ?? 0;
      const { wechatUrl, landing } = await authorizeThroughPages(s.entryUrl, account.appid, [
        '1',
        '2',
        '7',
      ]);
      expect(
        wechatUrl.startsWith(
          `${stack.sandbox.url}/cgi-bin/componentloginpage?component_appid=${stack.component.appid}&pre_auth_code=`,
        ),
      ).toBe(true);
      expect(landing.status).toBe(302);
      expect(returned(landing.location)).toEqual({
        base: `${RETURN}tenant-a`,
        params: { x: '1', status: 'authorized', authorizer_appid: account.appid },
      });
      const record = await accounts.get(stack.component.appid, account.appid);
      expect(record).toMatchObject({
        tenantId: 'tenant-a',
        status: 'authorized',
        funcInfo: [1, 2, 7],
        accountKind: 'official_account',
      });
      expect((await accounts.listByTenant('tenant-a')).map((r) => r.authorizerAppid)).toContain(
        account.appid,
      );
      expect((await accounts.listByTenant('tenant-b')).map((r) => r.authorizerAppid)).not.toContain(
        account.appid,
      );
      // Whatever the order, the code was exchanged once and the second path was a no-op.
      await sleep(600); // let a late push arrive and be handled
      expect((await stack.sandbox.counters()).calls.api_query_auth - exchangesBefore).toBe(1);
      const history = await accounts.history(stack.component.appid, account.appid);
      expect(history.map((h) => h.action)).toEqual(['authorized']);
    });
  });

  it('builds the mobile link with its own page and #wechat_redirect', async () => {
    await stack.sandbox.settings({ authorizedPushTiming: 'before_redirect' });
    const account = newAccount('mini_program');
    await stack.sandbox.addAccount(account);
    const s = await session('tenant-m', { kind: 'mobile', authType: 2, bizAppid: account.appid });
    const wechatUrl = await followEntry(s.entryUrl);
    expect(wechatUrl).toMatch(
      /\/wxaopen\/safe\/bindcomponent\?action=bindcomponent&no_scan=1&.*&auth_type=2&biz_appid=wxa.*#wechat_redirect$/,
    );
    const form = await openWechatPage(wechatUrl, s.entryUrl, account.appid);
    const landing = await get(await confirm(form));
    expect(returned(landing.location).params).toMatchObject({
      status: 'authorized',
      authorizer_appid: account.appid,
    });
    expect((await accounts.get(stack.component.appid, account.appid)).tenantId).toBe('tenant-m');
  });

  it('does not silently move an account bound to another tenant', async () => {
    const account = newAccount();
    await stack.sandbox.addAccount(account);
    await authorizeThroughPages((await session('tenant-first')).entryUrl, account.appid);
    const { landing } = await authorizeThroughPages(
      (await session('tenant-second')).entryUrl,
      account.appid,
      ['1'],
    );
    expect(returned(landing.location)).toEqual({
      base: `${RETURN}tenant-second`,
      params: {
        x: '1',
        status: 'error',
        error: 'TENANT_CONFLICT',
        authorizer_appid: account.appid,
      },
    });
    expect((await accounts.get(stack.component.appid, account.appid)).tenantId).toBe(
      'tenant-first',
    );
  });

  describe('errors change nothing', () => {
    it('a reused session gets an error page', async () => {
      const account = newAccount();
      await stack.sandbox.addAccount(account);
      const s = await session('tenant-r');
      const { redirect } = await authorizeThroughPages(s.entryUrl, account.appid);
      const again = await get(redirect);
      expect(again.status).toBe(409);
      expect(again.body).toContain('PRE_AUTH_SESSION_USED');
      expect((await get(s.entryUrl)).status).toBe(409);
    });

    it('a tampered or unknown session id, or another component, gets 404', async () => {
      const s = await session('tenant-t');
      const tampered = s.entryUrl.slice(0, -1) + (s.entryUrl.endsWith('A') ? 'B' : 'A');
      expect((await get(tampered)).status).toBe(404);
      expect((await get(s.entryUrl.replace(/authorize\/.*/, 'authorize/short'))).status).toBe(404);
      const other = s.entryUrl.replace(stack.component.appid, newComponent().appid);
      const r = await get(other);
      expect(r.status).toBe(404);
      expect(r.body).toContain('UNKNOWN_COMPONENT');
    });

    it('an expired session gets 410 and no pre_auth_code is spent', async () => {
      const short = await stack.startInstance({ preAuthSessionTtlSec: 1, schedulers: false });
      const s = await short
        .get(PreAuthService)
        .createSession(stack.component.appid, { tenantId: 'tenant-e', returnUrl: RETURN });
      await sleep(1100);
      const before = (await stack.sandbox.counters()).calls.api_create_preauthcode ?? 0;
      const r = await get(s.entryUrl);
      expect(r.status).toBe(410);
      expect(r.body).toContain('PRE_AUTH_SESSION_EXPIRED');
      expect((await stack.sandbox.counters()).calls.api_create_preauthcode ?? 0).toBe(before);
    });

    it('a cancelled authorization (no auth_code) returns the error to the tenant', async () => {
      const s = await session('tenant-c');
      const landing = await get(
        `${stack.platform.url}/wechat/${stack.component.appid}/authorized?session=${s.sessionId}`,
      );
      expect(returned(landing.location).params).toMatchObject({
        status: 'error',
        error: 'AUTHORIZATION_CANCELLED',
      });
    });

    it('a forged auth_code is refused by WeChat and reported, the session consumed', async () => {
      const s = await session('tenant-f');
      const landing = await get(
        `${stack.platform.url}/wechat/${stack.component.appid}/authorized?session=${s.sessionId}&auth_code=queryauthcode@@@forged`,
      );
      expect(returned(landing.location).params).toMatchObject({
        status: 'error',
        error: 'AUTHORIZATION_CODE_INVALID',
      });
    });

    it('refuses return URLs off the allow-list (no open redirect) and bad link options', async () => {
      for (const returnUrl of [
        'https://evil.example.com/return/',
        'https://dashboard.example.com.evil.com/return/',
        'javascript:alert(1)',
        '/relative',
      ]) {
        await expect(
          preAuth.createSession(stack.component.appid, { tenantId: 't', returnUrl }),
        ).rejects.toMatchObject({
          code: 'INVALID_RETURN_URL',
        });
      }
      await expect(session('t', { authType: 7 as never })).rejects.toMatchObject({
        code: 'INVALID_LINK_OPTIONS',
      });
      await expect(session('t', { bizAppid: 'not an appid' })).rejects.toMatchObject({
        code: 'INVALID_LINK_OPTIONS',
      });
    });

    it("the sandbox refuses WeChat's page when it is not opened from the platform's domain", async () => {
      const s = await session('tenant-d');
      const wechatUrl = await followEntry(s.entryUrl);
      expect((await get(wechatUrl)).status).toBe(403);
      expect((await get(wechatUrl, { referer: 'https://dashboard.example.com/' })).status).toBe(
        403,
      );
    });
  });
});

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}
