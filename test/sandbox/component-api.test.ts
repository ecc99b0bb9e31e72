import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { COMPONENT, MP, OA, PushReceiver, SandboxClient, sleep } from './sandbox-helpers.js';

describe('sandbox component APIs', () => {
  let sandbox: SandboxClient;
  let receiver: PushReceiver;

  beforeAll(async () => {
    receiver = await PushReceiver.start();
    sandbox = await SandboxClient.start({
      components: [{ ...COMPONENT, eventUrl: `${receiver.url}/events` }],
    });
  });
  afterAll(async () => {
    await sandbox.close();
    await receiver.close();
  });
  beforeEach(() => sandbox.ok('POST', '/reset'));
  afterEach(() => sandbox.ok('PUT', '/settings', { ticketPushIntervalMs: 0 }));

  const post = (path: string, body: unknown, cat?: string) =>
    sandbox.api(`/cgi-bin/component/${path}`, body, cat ? { component_access_token: cat } : {});

  describe('api_component_token', () => {
    it('mints a token from a pushed ticket, and the push decrypts with WechatMessageCrypto', async () => {
      const pushed = await sandbox.ok('POST', `/components/${COMPONENT.appid}/push-ticket`);
      expect(pushed).toMatchObject({ delivered: true, attempts: 1 });
      expect(pushed.ticket).toMatch(/^ticket@@@/);
      const push = await receiver.waitFor((p) => p.fields.ComponentVerifyTicket === pushed.ticket);
      expect(push.envelope.AppId).toBe(COMPONENT.appid);
      expect(push.query.encrypt_type).toBe('aes');
      expect(push.fields).toMatchObject({
        AppId: COMPONENT.appid,
        InfoType: 'component_verify_ticket',
      });
      expect(Number(push.fields.CreateTime)).toBeGreaterThan(1_700_000_000);

      const answer = await post('api_component_token', {
        component_appid: COMPONENT.appid,
        component_appsecret: COMPONENT.secret,
        component_verify_ticket: pushed.ticket,
      });
      expect(answer.errcode).toBeUndefined();
      expect(answer.expires_in).toBe(7200);
      expect(typeof answer.component_access_token).toBe('string');
    });

    it('refuses a missing or wrong secret, an unknown ticket, an unknown appid and bad JSON', async () => {
      const { ticket } = await sandbox.ok('POST', `/components/${COMPONENT.appid}/push-ticket`);
      const base = { component_appid: COMPONENT.appid, component_verify_ticket: ticket };
      expect((await post('api_component_token', base)).errcode).toBe(41004);
      expect(
        (await post('api_component_token', { ...base, component_appsecret: 'nope' })).errcode,
      ).toBe(40125);
      expect(
        (
          await post('api_component_token', {
            ...base,
            component_appsecret: COMPONENT.secret,
            component_verify_ticket: 'ticket@@@made-up',
          })
        ).errcode,
      ).toBe(61006);
      expect(
        (await post('api_component_token', { ...base, component_appid: 'wxunknown' })).errcode,
      ).toBe(40013);
      expect(
        (await post('api_component_token', { ...base, component_appid: OA.appid })).errcode,
      ).toBe(61011);
      const bad = await post('api_component_token', '{not json');
      expect(bad.errcode).toBe(47001);
      expect(bad.errmsg).toMatch(/rid: /);
    });

    it('refuses a ticket older than its lifetime with 61005', async () => {
      await sandbox.ok('PUT', '/settings', { ticketTtlSec: 1 });
      const { ticket } = await sandbox.ok('POST', `/components/${COMPONENT.appid}/push-ticket`);
      await sandbox.ok('POST', '/clock/advance', { seconds: 2 });
      const answer = await post('api_component_token', {
        component_appid: COMPONENT.appid,
        component_appsecret: COMPONENT.secret,
        component_verify_ticket: ticket,
      });
      expect(answer.errcode).toBe(61005);
    });
  });

  describe('api_start_push_ticket', () => {
    it('takes component_secret, answers ok and pushes a ticket soon', async () => {
      const before = receiver.pushes.length;
      const answer = await post('api_start_push_ticket', {
        component_appid: COMPONENT.appid,
        component_secret: COMPONENT.secret,
      });
      expect(answer).toEqual({ errcode: 0, errmsg: 'ok' });
      const push = await receiver.waitFor(
        (p) =>
          receiver.pushes.indexOf(p) >= before && p.fields.InfoType === 'component_verify_ticket',
      );
      expect(push.fields.ComponentVerifyTicket).toMatch(/^ticket@@@/);
    });

    it('does not accept component_appsecret in place of component_secret', async () => {
      const answer = await post('api_start_push_ticket', {
        component_appid: COMPONENT.appid,
        component_appsecret: COMPONENT.secret,
      });
      expect(answer.errcode).toBe(41004);
      expect(
        (
          await post('api_start_push_ticket', {
            component_appid: COMPONENT.appid,
            component_secret: 'wrong',
          })
        ).errcode,
      ).toBe(40125);
    });

    it('pushes tickets periodically when ticketPushIntervalMs is set', async () => {
      const before = receiver.pushes.length;
      await sandbox.ok('PUT', '/settings', { ticketPushIntervalMs: 200 });
      await receiver.waitFor((p) => receiver.pushes.indexOf(p) >= before + 1);
      await sandbox.ok('PUT', '/settings', { ticketPushIntervalMs: 0 });
      expect(receiver.pushes.length).toBeGreaterThanOrEqual(before + 2);
    });
  });

  describe('component_access_token rules', () => {
    it('answers 41001 without a token, 40001 for an unknown one, 42001 once expired', async () => {
      const body = { component_appid: COMPONENT.appid };
      expect((await post('api_create_preauthcode', body)).errcode).toBe(41001);
      expect((await post('api_create_preauthcode', body, 'made-up')).errcode).toBe(40001);
      await sandbox.ok('PUT', '/settings', { componentTokenTtlSec: 1 });
      const cat = await sandbox.componentToken();
      expect((await post('api_create_preauthcode', body, cat)).pre_auth_code).toBeDefined();
      await sleep(1100);
      expect((await post('api_create_preauthcode', body, cat)).errcode).toBe(42001);
      const { invalidTokensPresented } = await sandbox.counters();
      expect(invalidTokensPresented).toEqual([
        expect.objectContaining({
          endpoint: 'api_create_preauthcode',
          reason: 'unknown',
          tokenKind: 'component_access_token',
        }),
        expect.objectContaining({
          endpoint: 'api_create_preauthcode',
          reason: 'expired',
          appid: COMPONENT.appid,
        }),
      ]);
    });

    it('accepts access_token= as well as component_access_token=', async () => {
      const cat = await sandbox.componentToken();
      const answer = await sandbox.api(
        '/cgi-bin/component/api_create_preauthcode',
        { component_appid: COMPONENT.appid },
        { access_token: cat },
      );
      expect(answer.pre_auth_code).toMatch(/^preauthcode@@@/);
      expect(answer.expires_in).toBe(1800);
    });

    it('keeps a superseded token valid for the grace period, then answers 40001', async () => {
      await sandbox.ok('PUT', '/settings', { tokenGraceSec: 1 });
      const first = await sandbox.componentToken();
      const second = await sandbox.componentToken();
      expect(second).not.toBe(first);
      const body = { component_appid: COMPONENT.appid };
      expect((await post('api_create_preauthcode', body, first)).pre_auth_code).toBeDefined();
      expect((await sandbox.counters()).invalidTokensPresented).toEqual([]);
      await sleep(1100);
      expect((await post('api_create_preauthcode', body, first)).errcode).toBe(40001);
      expect((await post('api_create_preauthcode', body, second)).pre_auth_code).toBeDefined();
      const { invalidTokensPresented } = await sandbox.counters();
      expect(invalidTokensPresented).toHaveLength(1);
      expect(invalidTokensPresented[0].reason).toBe('superseded');
    });

    it("answers 40013 when the body's component_appid is not the token's", async () => {
      const cat = await sandbox.componentToken();
      expect(
        (await post('api_create_preauthcode', { component_appid: 'wxother' }, cat)).errcode,
      ).toBe(40013);
      expect((await post('api_create_preauthcode', {}, cat)).errcode).toBe(41002);
    });
  });

  describe('api_query_auth', () => {
    it('exchanges a code once: 61009 on reuse, for unknown codes, 61010 once expired', async () => {
      const cat = await sandbox.componentToken();
      const { authCode } = await sandbox.ok(
        'POST',
        `/components/${COMPONENT.appid}/accounts/${OA.appid}/authorize`,
        { funcInfo: [1, 15] },
      );
      expect(authCode).toMatch(/^queryauthcode@@@/);
      const body = { component_appid: COMPONENT.appid, authorization_code: authCode };
      const answer = await post('api_query_auth', body, cat);
      expect(answer.authorization_info).toMatchObject({
        authorizer_appid: OA.appid,
        expires_in: 7200,
        func_info: [{ funcscope_category: { id: 1 } }, { funcscope_category: { id: 15 } }],
      });
      expect(answer.authorization_info.authorizer_refresh_token).toMatch(/^refreshtoken@@@/);
      expect(typeof answer.authorization_info.authorizer_access_token).toBe('string');
      expect((await post('api_query_auth', body, cat)).errcode).toBe(61009);
      expect(
        (await post('api_query_auth', { ...body, authorization_code: 'queryauthcode@@@x' }, cat))
          .errcode,
      ).toBe(61009);

      await sandbox.ok('PUT', '/settings', { authCodeTtlSec: 1 });
      const second = await sandbox.ok(
        'POST',
        `/components/${COMPONENT.appid}/accounts/${MP.appid}/authorize`,
        {},
      );
      await sandbox.ok('POST', '/clock/advance', { seconds: 2 });
      const cat2 = await sandbox.componentToken();
      expect(
        (await post('api_query_auth', { ...body, authorization_code: second.authCode }, cat2))
          .errcode,
      ).toBe(61010);
    });
  });

  describe('api_authorizer_token', () => {
    it('refreshes without rotating the refresh token; 61023 for a wrong one; 61003 after revoke', async () => {
      const cat = await sandbox.componentToken();
      const { accessToken, refreshToken } = await sandbox.authorizeAndExchange(cat);
      const body = {
        component_appid: COMPONENT.appid,
        authorizer_appid: OA.appid,
        authorizer_refresh_token: refreshToken,
      };
      const answer = await post('api_authorizer_token', body, cat);
      expect(answer.authorizer_refresh_token).toBe(refreshToken);
      expect(answer.expires_in).toBe(7200);
      expect(answer.authorizer_access_token).not.toBe(accessToken);
      expect(
        (
          await post(
            'api_authorizer_token',
            { ...body, authorizer_refresh_token: 'refreshtoken@@@x' },
            cat,
          )
        ).errcode,
      ).toBe(61023);

      await sandbox.ok('POST', `/components/${COMPONENT.appid}/accounts/${OA.appid}/revoke`);
      expect((await post('api_authorizer_token', body, cat)).errcode).toBe(61003);

      // Re-authorizing after a revoke issues a new refresh token; the old one is dead.
      const again = await sandbox.authorizeAndExchange(cat);
      expect(again.refreshToken).not.toBe(refreshToken);
      expect((await post('api_authorizer_token', body, cat)).errcode).toBe(61023);
      const renewed = await post(
        'api_authorizer_token',
        { ...body, authorizer_refresh_token: again.refreshToken },
        cat,
      );
      expect(renewed.authorizer_refresh_token).toBe(again.refreshToken);
    });
  });

  describe('api_get_authorizer_info and api_get_authorizer_list', () => {
    it('describes official accounts and mini programs (MiniProgramInfo only for MPs)', async () => {
      const cat = await sandbox.componentToken();
      const oa = await sandbox.authorizeAndExchange(cat, OA);
      await sandbox.authorizeAndExchange(cat, MP);
      const info = await post(
        'api_get_authorizer_info',
        { component_appid: COMPONENT.appid, authorizer_appid: OA.appid },
        cat,
      );
      expect(info.authorizer_info).toMatchObject({
        nick_name: OA.nickName,
        user_name: OA.userName,
        alias: 'testcoffee',
        principal_name: OA.principalName,
        service_type_info: { id: 2 },
        verify_type_info: { id: 0 },
        account_status: 1,
        business_info: { open_pay: 0, open_shake: 0, open_scan: 0, open_card: 0, open_store: 0 },
      });
      expect(info.authorizer_info.qrcode_url).toBeDefined();
      expect(info.authorizer_info.head_img).toBeDefined();
      expect(info.authorizer_info.signature).toBeDefined();
      expect(info.authorizer_info.MiniProgramInfo).toBeUndefined();
      expect(info.authorization_info).toMatchObject({
        authorizer_appid: OA.appid,
        authorizer_refresh_token: oa.refreshToken,
      });
      expect(info.authorization_info.func_info.length).toBeGreaterThan(0);
      expect(info.authorization_info.authorizer_access_token).toBeUndefined();

      const mp = await post(
        'api_get_authorizer_info',
        { component_appid: COMPONENT.appid, authorizer_appid: MP.appid },
        cat,
      );
      expect(mp.authorizer_info.MiniProgramInfo).toMatchObject({
        network: expect.any(Object),
        categories: expect.any(Array),
        visit_status: 0,
      });
      expect(
        (
          await post(
            'api_get_authorizer_info',
            { component_appid: COMPONENT.appid, authorizer_appid: 'wxnotauthorized' },
            cat,
          )
        ).errcode,
      ).toBe(61003);
    });

    it('lists authorizers with paging; count must be 1..500', async () => {
      const cat = await sandbox.componentToken();
      await sandbox.authorizeAndExchange(cat, OA);
      await sandbox.authorizeAndExchange(cat, MP);
      const base = { component_appid: COMPONENT.appid, offset: 0 };
      const all = await post('api_get_authorizer_list', { ...base, count: 500 }, cat);
      expect(all.total_count).toBe(2);
      expect(all.list).toHaveLength(2);
      expect(all.list[0]).toEqual({
        authorizer_appid: expect.any(String),
        refresh_token: expect.stringMatching(/^refreshtoken@@@/),
        auth_time: expect.any(Number),
      });
      const page = await post('api_get_authorizer_list', { ...base, offset: 1, count: 1 }, cat);
      expect(page.total_count).toBe(2);
      expect(page.list).toHaveLength(1);
      expect((await post('api_get_authorizer_list', { ...base, count: 501 }, cat)).errcode).toBe(
        40066,
      );
      expect((await post('api_get_authorizer_list', { ...base, count: 0 }, cat)).errcode).toBe(
        40066,
      );
    });
  });

  describe('authorizer options and clear_quota', () => {
    it('gets and sets options, refusing unknown names and values', async () => {
      const cat = await sandbox.componentToken();
      await sandbox.authorizeAndExchange(cat, OA);
      const base = { component_appid: COMPONENT.appid, authorizer_appid: OA.appid };
      expect(
        await post('api_get_authorizer_option', { ...base, option_name: 'voice_recognize' }, cat),
      ).toEqual({ authorizer_appid: OA.appid, option_name: 'voice_recognize', option_value: '0' });
      expect(
        await post(
          'api_set_authorizer_option',
          { ...base, option_name: 'location_report', option_value: '2' },
          cat,
        ),
      ).toEqual({ errcode: 0, errmsg: 'ok' });
      expect(
        (await post('api_get_authorizer_option', { ...base, option_name: 'location_report' }, cat))
          .option_value,
      ).toBe('2');
      expect(
        (
          await post(
            'api_set_authorizer_option',
            { ...base, option_name: 'location_report', option_value: '9' },
            cat,
          )
        ).errcode,
      ).toBe(40097);
      expect(
        (await post('api_get_authorizer_option', { ...base, option_name: 'nope' }, cat)).errcode,
      ).toBe(40097);
    });

    it('clears quotas by all three routes, ten times a month', async () => {
      const cat = await sandbox.componentToken();
      const { accessToken } = await sandbox.authorizeAndExchange(cat, OA);
      expect(await post('clear_quota', { component_appid: COMPONENT.appid }, cat)).toEqual({
        errcode: 0,
        errmsg: 'ok',
      });
      expect(
        await sandbox.api(
          '/cgi-bin/clear_quota',
          { appid: OA.appid },
          { access_token: accessToken },
        ),
      ).toEqual({ errcode: 0, errmsg: 'ok' });
      expect(
        (
          await sandbox.api(
            '/cgi-bin/clear_quota',
            { appid: MP.appid },
            { access_token: accessToken },
          )
        ).errcode,
      ).toBe(40013);
      const v2 = { component_appid: COMPONENT.appid, appsecret: COMPONENT.secret };
      expect(await post('clear_quota/v2', { ...v2, appid: OA.appid })).toEqual({
        errcode: 0,
        errmsg: 'ok',
      });
      expect((await post('clear_quota/v2', { ...v2, appsecret: 'wrong' })).errcode).toBe(40125);
      // The component has used 1 (legacy route); 9 more, then 48006.
      for (let i = 0; i < 9; i++) expect((await post('clear_quota/v2', v2)).errcode).toBe(0);
      expect((await post('clear_quota/v2', v2)).errcode).toBe(48006);
    });
  });

  describe('openapi: quota/get and rid/get', () => {
    const openapi = (path: string, body: unknown, token: string) =>
      sandbox.api(`/cgi-bin/openapi/${path}`, body, { access_token: token });

    it('counts calls per cgi_path and caller; clear_quota zeroes them', async () => {
      await sandbox.ok('PUT', '/settings', { apiDailyLimit: 50 });
      const cat = await sandbox.componentToken();
      const { accessToken } = await sandbox.authorizeAndExchange(cat, OA);
      await post('api_create_preauthcode', { component_appid: COMPONENT.appid }, cat);
      await post('api_create_preauthcode', { component_appid: COMPONENT.appid }, cat);
      const quota = await openapi(
        'quota/get',
        { cgi_path: '/cgi-bin/component/api_create_preauthcode' },
        cat,
      );
      expect(quota).toEqual({
        errcode: 0,
        errmsg: 'ok',
        quota: { daily_limit: 50, used: 2, remain: 48 },
        rate_limit: { call_count: expect.any(Number), refresh_second: expect.any(Number) },
        component_rate_limit: {
          call_count: expect.any(Number),
          refresh_second: expect.any(Number),
        },
      });
      // An account's calls count for the account, asked with its own token.
      await sandbox.api('/cgi-bin/ticket/getticket', undefined, {
        access_token: accessToken,
        type: 'jsapi',
      });
      const account = await openapi(
        'quota/get',
        { cgi_path: '/cgi-bin/ticket/getticket' },
        accessToken,
      );
      expect(account.quota).toEqual({ daily_limit: 50, used: 1, remain: 49 });
      expect(account.component_rate_limit).toBeDefined();
      // The other kind's API 76022, an unknown path 76021.
      expect(
        (await openapi('quota/get', { cgi_path: '/cgi-bin/ticket/getticket' }, cat)).errcode,
      ).toBe(76022);
      expect((await openapi('quota/get', { cgi_path: '/cgi-bin/nope' }, cat)).errcode).toBe(76021);
      expect((await openapi('quota/get', {}, cat)).errcode).toBe(76021);
      // A reset zeroes the component's counts.
      await post('clear_quota/v2', {
        component_appid: COMPONENT.appid,
        appsecret: COMPONENT.secret,
      });
      expect(
        (await openapi('quota/get', { cgi_path: '/cgi-bin/component/api_create_preauthcode' }, cat))
          .quota.used,
      ).toBe(0);
    });

    it("remembers every error answer's rid for its caller, for ridTtlSec", async () => {
      const cat = await sandbox.componentToken();
      const refused = await post('clear_quota/v2', {
        component_appid: COMPONENT.appid,
        appsecret: 'wrong',
      });
      expect(refused.errcode).toBe(40125);
      const rid = /rid: (\S+)$/.exec(refused.errmsg as string)![1];
      const info = await openapi('rid/get', { rid }, cat);
      expect(info).toEqual({
        errcode: 0,
        errmsg: 'ok',
        request: {
          invoke_time: expect.any(Number),
          cost_in_ms: expect.any(Number),
          request_url: '',
          request_body: JSON.stringify({ component_appid: COMPONENT.appid, appsecret: 'wrong' }),
          response_body: JSON.stringify(refused),
          client_ip: '127.0.0.1',
        },
      });
      // Another caller's rid 76003, an unknown one 76001, a malformed one 76002.
      const { accessToken } = await sandbox.authorizeAndExchange(cat, OA);
      expect((await openapi('rid/get', { rid }, accessToken)).errcode).toBe(76003);
      expect((await openapi('rid/get', { rid: '0123abcd-4567ef01' }, cat)).errcode).toBe(76001);
      expect((await openapi('rid/get', { rid: 'not a rid' }, cat)).errcode).toBe(76002);
      // Kept ridTtlSec (7 days by default), then forgotten.
      await sandbox.ok('POST', '/clock/advance', { seconds: 3600 });
      await sandbox.ok('PUT', '/settings', { ridTtlSec: 3600 });
      const late = await openapi('rid/get', { rid }, await sandbox.componentToken());
      expect(late.errcode).toBe(76001);
    });

    it('counts clear_quota resets by the month of UTC+8', async () => {
      const v2 = { component_appid: COMPONENT.appid, appsecret: COMPONENT.secret };
      // Move the clock to 15:30 UTC on the last day of next month: 23:30 in UTC+8.
      const { now } = await sandbox.ok<{ now: string }>('GET', '/clock');
      const at = new Date(now);
      const lastDay = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 2, 0, 15, 30));
      const ahead = lastDay.getTime() - at.getTime();
      await sandbox.ok('POST', '/clock/advance', { seconds: Math.ceil(ahead / 1000) });
      for (let i = 0; i < 10; i++) expect((await post('clear_quota/v2', v2)).errcode).toBe(0);
      expect((await post('clear_quota/v2', v2)).errcode).toBe(48006);
      // 16:30 UTC is the next day, and month, in UTC+8.
      await sandbox.ok('POST', '/clock/advance', { seconds: 3600 });
      expect((await post('clear_quota/v2', v2)).errcode).toBe(0);
    });
  });
});
