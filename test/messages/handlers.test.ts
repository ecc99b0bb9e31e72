import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthorizerService,
  OnWechatMessage,
  parseWechatXml,
  WechatMessageContext,
  WechatMessageService,
  WechatReply,
} from '@app/wechat-open';
import { newAccount } from '../support/accounts.js';
import { eventually, startStack, TestStack } from '../support/stack.js';
import { messagePush, postMessage, textMessage } from './message-push.js';

/** Every handler call, in order. */
const calls: {
  handler: string;
  authorizerAppid: string;
  content: string | null;
  msgId: string | null;
}[] = [];
let criticalFailuresLeft = 0;
const ONLY_B_APPID = 'wxa0000000000onlyb';

const REPLIES: Record<string, WechatReply> = {
  text: { type: 'text', content: '你好 <b>' },
  image: { type: 'image', mediaId: 'MEDIA_IMAGE' },
  voice: { type: 'voice', mediaId: 'MEDIA_VOICE' },
  video: { type: 'video', mediaId: 'MEDIA_VIDEO', title: 'T', description: 'D' },
  music: { type: 'music', title: 'M', musicUrl: 'http://m.example.com/a.mp3', thumbMediaId: 'TH' },
  news: {
    type: 'news',
    articles: [
      {
        title: 'A1',
        description: 'd1',
        picUrl: 'http://p.example.com/1.jpg',
        url: 'http://u.example.com/1',
      },
      { title: 'A2' },
    ],
  },
  transfer_customer_service: { type: 'transfer_customer_service', kfAccount: 'kf2001@test' },
};

function record(handler: string, ctx: WechatMessageContext) {
  const content = ctx.fields.Content;
  calls.push({
    handler,
    authorizerAppid: ctx.authorizerAppid,
    content: typeof content === 'string' ? content : null,
    msgId: ctx.msgId,
  });
}

/** The host's handlers, found through Nest's DiscoveryService as @Cron methods are. */
@Injectable()
class HostHandlers {
  constructor(private readonly messages: WechatMessageService) {}

  @OnWechatMessage({ msgType: 'TEXT' })
  async onText(ctx: WechatMessageContext): Promise<WechatReply | undefined> {
    record('onText', ctx);
    const content = typeof ctx.fields.Content === 'string' ? ctx.fields.Content : '';
    if (content === 'throw') throw new Error(`the handler quotes the content: ${content}`);
    if (content === 'slow') {
      await sleep(5500);
      await this.messages.sendCustomerServiceMessage(
        ctx.componentAppid,
        ctx.authorizerAppid,
        ctx.fromUser,
        { type: 'text', content: 'the slow answer' },
      );
      return { type: 'text', content: 'too late' };
    }
    if (content === 'bad-reply') return { type: 'nonsense' } as unknown as WechatReply;
    if (content.startsWith('reply:')) return REPLIES[content.slice('reply:'.length)];
    return undefined;
  }

  @OnWechatMessage({ msgType: 'event', event: 'SUBSCRIBE' })
  onSubscribe(ctx: WechatMessageContext): WechatReply {
    record('onSubscribe', ctx);
    return { type: 'text', content: 'welcome' };
  }

  @OnWechatMessage({ tenantId: 'acme' })
  onAcme(ctx: WechatMessageContext): void {
    record('onAcme', ctx);
  }

  @OnWechatMessage({ tenantId: 'globex' })
  onGlobex(ctx: WechatMessageContext): void {
    record('onGlobex', ctx);
  }

  @OnWechatMessage({ authorizerAppid: ONLY_B_APPID, msgType: ['image', 'text'] })
  onlyB(ctx: WechatMessageContext): void {
    record('onlyB', ctx);
  }

  @OnWechatMessage({ msgType: 'text' }, { critical: true })
  critical(ctx: WechatMessageContext): void {
    record('critical', ctx);
    if (ctx.fields.Content === 'critical' && criticalFailuresLeft > 0) {
      criticalFailuresLeft--;
      throw new Error('the forwarding queue is unavailable');
    }
  }
}

@Module({ providers: [HostHandlers] })
class HostModule {}

const callsOf = (handler: string, content?: string) =>
  calls.filter((c) => c.handler === handler && (content === undefined || c.content === content));

describe('the message URL with host handlers', () => {
  let stack: TestStack;
  const a = newAccount('official_account');
  const b = { ...newAccount('official_account'), appid: ONLY_B_APPID };

  const authorize = async (account: typeof a) => {
    await stack.sandbox.addAccount(account);
    await stack.sandbox.authorize(stack.component.appid, account.appid);
    const accounts = stack.platform.get(AuthorizerService);
    await eventually(async () => {
      const r = await accounts.find(stack.component.appid, account.appid);
      return r?.profileRefreshedAt && r.userName === account.userName;
    });
  };

  /** A message pushed by the sandbox (WeChat's way: encrypted, retried, reply decrypted). */
  const send = (account: typeof a, body: Record<string, unknown>) =>
    stack.sandbox.request<{
      delivered: boolean;
      attempts: number;
      reply: string | null;
      rawReply: string | null;
      error: string | null;
    }>('POST', `/sandbox/components/${stack.component.appid}/accounts/${account.appid}/message`, {
      openid: 'o_user_handlers_0001',
      ...body,
    });

  const dedupeRows = async () =>
    Number(
      (
        await stack.platform
          .get(DataSource)
          .query<{ n: string }[]>('SELECT count(*) AS n FROM wechat_message_dedupe')
      )[0].n,
    );

  beforeAll(async () => {
    stack = await startStack({ imports: [HostModule] });
    await authorize(a);
    await authorize(b);
  }, 60_000);
  afterAll(() => stack?.close());

  it.each(Object.keys(REPLIES))(
    'answers a %s reply encrypted and signed, which the sandbox decrypts',
    async (type) => {
      const result = await send(a, { content: `reply:${type}` });
      expect(result.delivered).toBe(true);
      expect(result.attempts).toBe(1);
      expect(result.reply).not.toBeNull();
      const reply = parseWechatXml(result.reply!);
      expect(reply.ToUserName).toBe('o_user_handlers_0001');
      expect(reply.FromUserName).toBe(a.userName);
      expect(reply.MsgType).toBe(type);
      expect(Number(reply.CreateTime)).toBeGreaterThan(Date.now() / 1000 - 60);
      const expected: Record<string, unknown> = {
        text: { Content: '你好 <b>' },
        image: { Image: { MediaId: 'MEDIA_IMAGE' } },
        voice: { Voice: { MediaId: 'MEDIA_VOICE' } },
        video: { Video: { MediaId: 'MEDIA_VIDEO', Title: 'T', Description: 'D' } },
        music: {
          Music: { Title: 'M', MusicUrl: 'http://m.example.com/a.mp3', ThumbMediaId: 'TH' },
        },
        news: {
          ArticleCount: '2',
          Articles: {
            item: [
              {
                Title: 'A1',
                Description: 'd1',
                PicUrl: 'http://p.example.com/1.jpg',
                Url: 'http://u.example.com/1',
              },
              { Title: 'A2' },
            ],
          },
        },
        transfer_customer_service: { TransInfo: { KfAccount: 'kf2001@test' } },
      };
      expect(reply).toMatchObject(expected[type] as object);
    },
  );

  it('matches filters: msgType and event case-insensitively, account, tenant', async () => {
    const before = calls.length;
    const subscribe = await send(a, { msgType: 'event', fields: { Event: 'subscribe' } });
    expect(parseWechatXml(subscribe.reply!).Content).toBe('welcome');
    await send(a, { content: 'plain for a' });
    await send(b, { content: 'plain for b' });
    await send(b, { msgType: 'location', fields: { Location_X: '23.1', Location_Y: '113.3' } });
    const seen = calls
      .slice(before)
      .map((c) => `${c.handler}:${c.authorizerAppid === b.appid ? 'b' : 'a'}`);
    expect(seen.sort()).toEqual(
      ['onSubscribe:a', 'critical:a', 'onText:a', 'critical:b', 'onText:b', 'onlyB:b'].sort(),
    );
    // Neither account has a tenant: a tenantId filter never matches.
    expect(callsOf('onAcme')).toEqual([]);
    expect(callsOf('onGlobex')).toEqual([]);
  });

  it("runs a handler filtered on the account's tenant, and not one filtered on another tenant", async () => {
    const c = newAccount('official_account');
    await authorize(c);
    // Bound before the account's first message (the message URL caches account records); the
    // registry binds tenants through authorization sessions, here the row is set directly.
    await stack.platform
      .get(DataSource)
      .query(`UPDATE authorizer SET tenant_id = 'acme' WHERE authorizer_appid = $1`, [c.appid]);
    const result = await send(c, { content: 'for the tenant' });
    expect(result).toMatchObject({ delivered: true, attempts: 1, rawReply: 'success' });
    // Every matching handler starts before the answer, and none replies: all have run.
    const ran = calls
      .filter((call) => call.authorizerAppid === c.appid)
      .map((call) => call.handler);
    expect(ran.sort()).toEqual(['critical', 'onAcme', 'onText']);
    expect(callsOf('onAcme', 'for the tenant')).toHaveLength(1);
    expect(callsOf('onGlobex')).toEqual([]);
  });

  it('answers success when a handler throws, and when a reply is unusable', async () => {
    const thrown = await send(a, { content: 'throw' });
    expect(thrown).toMatchObject({
      delivered: true,
      attempts: 1,
      rawReply: 'success',
      reply: null,
    });
    expect(callsOf('onText', 'throw')).toHaveLength(1);
    const bad = await send(a, { content: 'bad-reply' });
    expect(bad).toMatchObject({ delivered: true, attempts: 1, rawReply: 'success' });
  });

  it('answers success when a handler outlasts the reply budget; it replies later through the customer-service API', async () => {
    const started = Date.now();
    const slow = await send(a, { content: 'slow' });
    const took = Date.now() - started;
    expect(slow).toMatchObject({ delivered: true, attempts: 1, rawReply: 'success' });
    expect(took).toBeGreaterThanOrEqual(3900);
    expect(took).toBeLessThan(5000);
    await eventually(async () => {
      const sent = await stack.sandbox.request<
        { body: { touser: string; text?: { content: string } } }[]
      >('GET', `/sandbox/accounts/${a.appid}/sent-messages`);
      return sent.some(
        (m) =>
          m.body.touser === 'o_user_handlers_0001' && m.body.text?.content === 'the slow answer',
      );
    }, 5000);
  }, 20_000);

  it("answers 503 when a critical handler fails, and WeChat's retry runs the handlers again", async () => {
    criticalFailuresLeft = 1;
    const result = await send(a, { content: 'critical' });
    expect(result).toMatchObject({ delivered: true, attempts: 2, rawReply: 'success' });
    expect(callsOf('critical', 'critical')).toHaveLength(2);
    // The normal handlers ran once: not on the failed attempt.
    expect(callsOf('onText', 'critical')).toHaveLength(1);
  });

  it('runs the handlers once for duplicate deliveries across two instances', async () => {
    const second = await stack.startInstance({ instanceId: 'test-2' });
    try {
      const msgId = `${Date.now()}424242`;
      const push = messagePush(
        stack.component,
        textMessage(a.userName, 'o_user_dup', 'duplicate me', msgId),
      );
      const answers = await Promise.all(
        [stack.platform, second, stack.platform, second].map((p) =>
          postMessage(p.url, stack.component.appid, a.appid, push),
        ),
      );
      expect(answers.map((r) => [r.status, r.body])).toEqual(
        Array.from({ length: 4 }, () => [200, 'success']),
      );
      expect(callsOf('onText', 'duplicate me')).toHaveLength(1);
      // Events without MsgId: by sender, CreateTime and Event.
      const createTime = Math.floor(Date.now() / 1000);
      const event = {
        ToUserName: a.userName,
        FromUserName: 'o_user_dup_event',
        CreateTime: createTime,
        MsgType: 'event',
        Event: 'subscribe',
      };
      const before = callsOf('onSubscribe').length;
      for (const p of [stack.platform, second, stack.platform]) {
        await postMessage(
          p.url,
          stack.component.appid,
          a.appid,
          messagePush(stack.component, event),
        );
      }
      expect(callsOf('onSubscribe').length - before).toBe(1);
    } finally {
      await second.stop();
    }
  });

  it('refuses malformed, forged and stale messages with a 4xx, handling and storing nothing', async () => {
    const rows = await dedupeRows();
    const before = calls.length;
    const good = () =>
      messagePush(stack.component, textMessage(a.userName, 'o_attacker', 'forged'));
    const url = (q: string) =>
      `${stack.platform.url}/wechat/${stack.component.appid}/accounts/${a.appid}/messages?${q}`;
    const post = (q: string, body: string) =>
      fetch(url(q), { method: 'POST', headers: { 'content-type': 'text/xml' }, body });

    const cases: [string, () => Promise<Response>, number, string][] = [];
    const forged = messagePush(stack.component, textMessage(a.userName, 'o_attacker', 'forged'), {
      signWith: 'not-the-token',
    });
    cases.push([
      'forged signature',
      () => post(forged.query.toString(), forged.body),
      401,
      'CRYPTO_BAD_SIGNATURE',
    ]);
    const stale = messagePush(stack.component, textMessage(a.userName, 'o_attacker', 'stale'), {
      timestamp: Math.floor(Date.now() / 1000) - 3600,
    });
    cases.push([
      'stale',
      () => post(stale.query.toString(), stale.body),
      401,
      'PUSH_TIMESTAMP_OUT_OF_WINDOW',
    ]);
    const p1 = good();
    cases.push(['garbage body', () => post(p1.query.toString(), 'not xml'), 400, 'XML_MALFORMED']);
    const p2 = good();
    const q2 = new URLSearchParams(p2.query);
    q2.append('msg_signature', q2.get('msg_signature')!);
    cases.push(['repeated parameter', () => post(q2.toString(), p2.body), 400, 'PUSH_BAD_QUERY']);
    const p3 = good();
    const q3 = new URLSearchParams(p3.query);
    q3.set('openid', 'bad openid!');
    cases.push(['malformed openid', () => post(q3.toString(), p3.body), 400, 'PUSH_BAD_QUERY']);
    const p4 = good();
    const q4 = new URLSearchParams(p4.query);
    q4.delete('timestamp');
    cases.push(['missing timestamp', () => post(q4.toString(), p4.body), 400, 'PUSH_BAD_QUERY']);
    const other = messagePush(stack.component, textMessage(b.userName, 'o_attacker', 'for b'));
    cases.push([
      "another account's message",
      () => post(other.query.toString(), other.body),
      400,
      'PUSH_WRONG_ACCOUNT',
    ]);
    const envelope = messagePush(stack.component, textMessage(a.userName, 'o_attacker', 'env'), {
      envelopeTo: 'gh_someoneelse',
    });
    cases.push([
      'envelope names another account',
      () => post(envelope.query.toString(), envelope.body),
      400,
      'PUSH_WRONG_ACCOUNT',
    ]);
    const doctype = good();
    cases.push([
      'DOCTYPE',
      () =>
        post(
          doctype.query.toString(),
          `<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>${doctype.body}`,
        ),
      400,
      'XML_FORBIDDEN',
    ]);

    for (const [name, run, status, code] of cases) {
      const res = await run();
      const body = (await res.json()) as { code: string };
      expect([name, res.status, body.code]).toEqual([name, status, code]);
    }
    expect(calls.length).toBe(before);
    expect(await dedupeRows()).toBe(rows);
  });

  it('answers success without handling for an unknown component, an unknown account and a revoked one', async () => {
    const before = calls.length;
    const rows = await dedupeRows();
    const unknownComponent = await postMessage(
      stack.platform.url,
      'wxunknowncomponent1',
      a.appid,
      messagePush(stack.component, textMessage(a.userName, 'o_u', 'x')),
    );
    expect([unknownComponent.status, unknownComponent.body]).toEqual([200, 'success']);
    const unknownAccount = await postMessage(
      stack.platform.url,
      stack.component.appid,
      'wxa_nobody_knows_it',
      messagePush(stack.component, textMessage('gh_nobody', 'o_u', 'x')),
    );
    expect([unknownAccount.status, unknownAccount.body]).toEqual([200, 'success']);

    const c = newAccount('official_account');
    await authorize(c);
    await stack.sandbox.revoke(stack.component.appid, c.appid);
    await eventually(async () => {
      const r = await stack.platform.get(AuthorizerService).find(stack.component.appid, c.appid);
      return r?.status === 'revoked';
    });
    const revoked = await postMessage(
      stack.platform.url,
      stack.component.appid,
      c.appid,
      messagePush(stack.component, textMessage(c.userName, 'o_u', 'x')),
    );
    expect([revoked.status, revoked.body]).toEqual([200, 'success']);
    expect(calls.length).toBe(before);
    expect(await dedupeRows()).toBe(rows);
    const metrics = await (await fetch(`${stack.platform.url}/metrics`)).text();
    for (const result of ['unknown_component', 'unknown_account', 'inactive_account']) {
      expect(metrics).toMatch(
        new RegExp(`wechat_messages_total\\{[^}]*result="${result}"[^}]*\\} 1`),
      );
    }
  });

  it('echoes echostr on a GET signed in plain mode, and refuses a bad signature', async () => {
    const { plainSignature } = await import('@app/wechat-open');
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = '12345';
    const base = `${stack.platform.url}/wechat/${stack.component.appid}/accounts/${a.appid}/messages`;
    const ok = await fetch(
      `${base}?${new URLSearchParams({
        signature: plainSignature(stack.component.token, timestamp, nonce),
        timestamp,
        nonce,
        echostr: 'echo_1234567890',
      }).toString()}`,
    );
    expect([ok.status, await ok.text()]).toEqual([200, 'echo_1234567890']);
    const bad = await fetch(
      `${base}?${new URLSearchParams({
        signature: plainSignature('other', timestamp, nonce),
        timestamp,
        nonce,
        echostr: 'echo_1234567890',
      }).toString()}`,
    );
    expect(bad.status).toBe(401);
  });
});
