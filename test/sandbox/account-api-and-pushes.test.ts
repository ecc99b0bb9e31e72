import { WechatMessageCrypto } from '@app/wechat-open';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { COMPONENT, MP, OA, PushReceiver, SandboxClient } from './sandbox-helpers.js';

describe('sandbox account APIs and pushes', () => {
  let sandbox: SandboxClient;
  let receiver: PushReceiver;
  let cat: string;

  beforeAll(async () => {
    receiver = await PushReceiver.start();
    sandbox = await SandboxClient.start({
      components: [
        {
          ...COMPONENT,
          eventUrl: `${receiver.url}/events`,
          messageUrl: `${receiver.url}/accounts/$APPID$/messages`,
        },
      ],
    });
  });
  afterAll(async () => {
    await sandbox.close();
    await receiver.close();
  });
  beforeEach(async () => {
    receiver.answer = () => ({ body: 'success' });
    await sandbox.ok('POST', '/reset');
    cat = await sandbox.componentToken();
  });

  describe('account APIs with an authorizer_access_token', () => {
    it('issues jsapi and wx_card tickets; refuses a bad type, a CAT and a missing token', async () => {
      const { accessToken } = await sandbox.authorizeAndExchange(cat);
      for (const type of ['jsapi', 'wx_card']) {
        const answer = await sandbox.api('/cgi-bin/ticket/getticket', undefined, {
          access_token: accessToken,
          type,
        });
        expect(answer).toMatchObject({ errcode: 0, errmsg: 'ok', expires_in: 7200 });
        expect(typeof answer.ticket).toBe('string');
      }
      expect(
        (
          await sandbox.api('/cgi-bin/ticket/getticket', undefined, {
            access_token: accessToken,
            type: 'other',
          })
        ).errcode,
      ).toBe(40097);
      expect(
        (
          await sandbox.api('/cgi-bin/ticket/getticket', undefined, {
            access_token: cat,
            type: 'jsapi',
          })
        ).errcode,
      ).toBe(40001);
      expect(
        (await sandbox.api('/cgi-bin/ticket/getticket', undefined, { type: 'jsapi' })).errcode,
      ).toBe(41001);
      const counters = await sandbox.counters();
      expect(counters.tokensIssued).toMatchObject({
        component_access_token: 1,
        authorizer_access_token: 1,
        jsapi_ticket: 1,
        wx_card_ticket: 1,
        component_verify_ticket: 1,
        authorization_code: 1,
      });
      expect(counters.callsByAccount.getticket).toEqual({ [OA.appid]: 3 });
    });

    it('sends customer-service messages and reads user info', async () => {
      const { accessToken } = await sandbox.authorizeAndExchange(cat);
      const send = (body: unknown) =>
        sandbox.api('/cgi-bin/message/custom/send', body, { access_token: accessToken });
      expect(
        await send({ touser: 'o_user', msgtype: 'text', text: { content: 'hi_from_api' } }),
      ).toEqual({
        errcode: 0,
        errmsg: 'ok',
      });
      expect((await send({ msgtype: 'text', text: { content: 'x' } })).errcode).toBe(40003);
      expect((await send({ touser: 'o_user', msgtype: 'nope' })).errcode).toBe(40008);
      const sent = await sandbox.ok('GET', `/accounts/${OA.appid}/sent-messages`);
      expect(sent).toHaveLength(1);
      expect(sent[0].body.text.content).toBe('hi_from_api');

      const user = await sandbox.api('/cgi-bin/user/info', undefined, {
        access_token: accessToken,
        openid: 'o_user',
      });
      expect(user).toMatchObject({ subscribe: 1, openid: 'o_user' });
      expect(
        (await sandbox.api('/cgi-bin/user/info', undefined, { access_token: accessToken })).errcode,
      ).toBe(40003);
    });

    it('expires authorizer tokens, honours the grace period, invalidates on demand and on revoke', async () => {
      await sandbox.ok('PUT', '/settings', { authorizerTokenTtlSec: 1, tokenGraceSec: 0 });
      const { accessToken, refreshToken } = await sandbox.authorizeAndExchange(cat);
      const info = (token: string) =>
        sandbox.api('/cgi-bin/user/info', undefined, { access_token: token, openid: 'o_user' });
      expect((await info(accessToken)).subscribe).toBe(1);
      await sandbox.ok('POST', '/clock/advance', { seconds: 2 });
      expect((await info(accessToken)).errcode).toBe(42001);

      const refresh = async () =>
        (
          await sandbox.api(
            '/cgi-bin/component/api_authorizer_token',
            {
              component_appid: COMPONENT.appid,
              authorizer_appid: OA.appid,
              authorizer_refresh_token: refreshToken,
            },
            { component_access_token: await sandbox.componentToken() },
          )
        ).authorizer_access_token as string;
      await sandbox.ok('PUT', '/settings', { authorizerTokenTtlSec: 7200 });
      const fresh = await refresh();
      const newer = await refresh();
      // Grace 0: the superseded one is refused at once.
      expect((await info(fresh)).errcode).toBe(40001);
      expect((await info(newer)).subscribe).toBe(1);

      expect(await sandbox.ok('POST', `/accounts/${OA.appid}/invalidate-token`)).toEqual({
        invalidated: 2,
      });
      expect((await info(newer)).errcode).toBe(40001);
      const latest = await refresh();
      expect((await info(latest)).subscribe).toBe(1);

      const revoked = await sandbox.ok(
        'POST',
        `/components/${COMPONENT.appid}/accounts/${OA.appid}/revoke`,
      );
      expect(revoked.pushed).toBe(true);
      const push = await receiver.waitFor((p) => p.fields.InfoType === 'unauthorized');
      expect(push.fields.AuthorizerAppid).toBe(OA.appid);
      expect((await info(latest)).errcode).toBe(61003);

      const reasons = (await sandbox.counters()).invalidTokensPresented.map(
        (e: { reason: string; tokenKind: string }) => `${e.tokenKind}:${e.reason}`,
      );
      expect(reasons).toEqual([
        'authorizer_access_token:expired',
        'authorizer_access_token:superseded',
        'authorizer_access_token:invalidated',
        'authorizer_access_token:revoked',
      ]);
    });
  });

  describe('pushes', () => {
    it('retries a failing receiver: two failures then success is three attempts', async () => {
      receiver.answer = (_push, hit) =>
        hit % 3 === 0 ? { body: 'success' } : hit % 3 === 1 ? { status: 500 } : { body: 'ok' };
      const hitsBefore = receiver.hits;
      receiver.hits = 0;
      const result = await sandbox.ok('POST', `/components/${COMPONENT.appid}/push-ticket`);
      expect(result).toMatchObject({ delivered: true, attempts: 3, outcome: 'delivered' });
      const pushes = (await sandbox.counters()).pushes;
      expect(pushes.at(-1)).toMatchObject({
        kind: 'component_verify_ticket',
        componentAppid: COMPONENT.appid,
        attempts: 3,
        outcome: 'delivered',
        lastStatus: 200,
      });
      receiver.hits += hitsBefore;
    });

    it('gives up after pushAttempts and records why, including timeouts', async () => {
      await sandbox.ok('PUT', '/settings', { pushTimeoutMs: 200, pushAttempts: 2 });
      receiver.answer = () => ({ body: 'success', delayMs: 400 });
      const result = await sandbox.ok('POST', `/components/${COMPONENT.appid}/push-ticket`);
      expect(result).toMatchObject({ delivered: false, attempts: 2, outcome: 'failed' });
      const { pushes, pushTotals } = await sandbox.counters();
      expect(pushes.at(-1)?.lastError).toMatch(/timeout/);
      expect(pushTotals.component_verify_ticket).toMatchObject({ delivered: 1, failed: 1 });
    });

    it('records a push to a component without eventUrl as no_url', async () => {
      await sandbox.ok('POST', '/components', {
        appid: 'wxnourl00000000001',
        secret: 's',
        token: 't',
        encodingAesKey: COMPONENT.encodingAesKey,
      });
      const result = await sandbox.ok('POST', '/components/wxnourl00000000001/push-ticket');
      expect(result).toMatchObject({ delivered: false, outcome: 'no_url', attempts: 0 });
    });

    it('pushes user messages to the $APPID$ URL and decrypts the passive reply', async () => {
      await sandbox.authorizeAndExchange(cat, MP);
      const crypto = new WechatMessageCrypto({
        token: COMPONENT.token,
        encodingAesKey: COMPONENT.encodingAesKey,
        appid: COMPONENT.appid,
      });
      receiver.answer = (push) => {
        if (push.fields.Content === 'silent') return { body: '' };
        const reply = `<xml><ToUserName><![CDATA[${push.fields.FromUserName as string}]]></ToUserName><Content><![CDATA[${push.fields.Content as string}_callback]]></Content></xml>`;
        return { body: crypto.seal(reply, { timestamp: '1700000000', nonce: '12345' }).xml };
      };
      const result = await sandbox.ok(
        'POST',
        `/components/${COMPONENT.appid}/accounts/${MP.appid}/message`,
        { openid: 'o_tester', content: 'TESTCOMPONENT_MSG_TYPE_TEXT' },
      );
      expect(result).toMatchObject({ delivered: true, attempts: 1, outcome: 'delivered' });
      expect(result.reply).toContain('TESTCOMPONENT_MSG_TYPE_TEXT_callback');
      const push = receiver.pushes.at(-1)!;
      expect(push.path).toBe(`/accounts/${MP.appid}/messages`);
      expect(push.query.openid).toBe('o_tester');
      expect(push.envelope.ToUserName).toBe(MP.userName);
      expect(push.fields).toMatchObject({
        ToUserName: MP.userName,
        FromUserName: 'o_tester',
        MsgType: 'text',
        Content: 'TESTCOMPONENT_MSG_TYPE_TEXT',
      });
      expect(push.fields.MsgId).toBeDefined();

      const silent = await sandbox.ok(
        'POST',
        `/components/${COMPONENT.appid}/accounts/${MP.appid}/message`,
        { content: 'silent' },
      );
      expect(silent).toMatchObject({ delivered: true, reply: null, rawReply: '' });

      const event = await sandbox.ok(
        'POST',
        `/components/${COMPONENT.appid}/accounts/${MP.appid}/message`,
        { msgType: 'event', fields: { Event: 'LOCATION', Latitude: '23.1' } },
      );
      expect(event.delivered).toBe(true);
      expect(receiver.pushes.at(-1)!.fields).toMatchObject({ MsgType: 'event', Event: 'LOCATION' });

      receiver.answer = () => ({ body: '<xml><Content>plain</Content></xml>' });
      const bad = await sandbox.ok(
        'POST',
        `/components/${COMPONENT.appid}/accounts/${MP.appid}/message`,
        { content: 'x' },
      );
      expect(bad).toMatchObject({ delivered: false, outcome: 'bad_reply', attempts: 1 });

      // Not authorized: refused by the control API.
      expect(
        (
          await sandbox.control(
            'POST',
            `/components/${COMPONENT.appid}/accounts/${OA.appid}/message`,
            {
              content: 'x',
            },
          )
        ).status,
      ).toBe(409);
    });
  });
});
