import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWechatXml, ComponentTokenService, WechatMessageCrypto } from '@app/wechat-open';
import { envelope, postPush, signedPush } from '../support/push.js';
import { newComponent, startStack, TestStack } from '../support/stack.js';

describe('event URL (授权事件接收URL)', () => {
  let stack: TestStack;
  let db: Client;
  const count = async (table: string) =>
    Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);

  beforeAll(async () => {
    // No crons: a ticket the platform asks for on its own would land among these counts.
    stack = await startStack({ initialTicket: false, platform: { schedulers: false } });
    db = new Client(stack.db.url);
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await stack.close();
  });

  const ticketPush = (ticket: string, createTime: number) =>
    signedPush(stack.component, {
      AppId: stack.component.appid,
      CreateTime: createTime,
      InfoType: 'component_verify_ticket',
      ComponentVerifyTicket: ticket,
    });

  it('accepts a ticket pushed by the sandbox, answers success and stores it encrypted', async () => {
    const pushed = await stack.sandbox.pushTicket(stack.component.appid);
    expect(pushed.delivered).toBe(true);
    const { rows } = await db.query<{ ticket_ciphertext: string }>(
      'SELECT ticket_ciphertext FROM component_verify_ticket',
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].ticket_ciphertext).not.toContain(pushed.ticket);
    const log = await db.query<{ payload: Record<string, string> }>(
      'SELECT payload FROM wechat_event_log',
    );
    expect(log.rows[0].payload.ComponentVerifyTicket).toBe('[redacted]');
    expect(JSON.stringify(log.rows)).not.toContain(pushed.ticket);
  });

  it('answers exactly "success" and stores a repeated push once', async () => {
    const push = ticketPush('ticket@@@repeat', Math.floor(Date.now() / 1000) + 5);
    const before = await count('wechat_event_log');
    const first = await postPush(stack.platform.url, stack.component.appid, push);
    const again = await postPush(stack.platform.url, stack.component.appid, push);
    expect(first).toEqual({ status: 200, body: 'success' });
    expect(again).toEqual({ status: 200, body: 'success' });
    expect(await count('wechat_event_log')).toBe(before + 1);
  });

  it('never lets an older CreateTime replace a newer ticket', async () => {
    const now = Math.floor(Date.now() / 1000);
    await postPush(
      stack.platform.url,
      stack.component.appid,
      ticketPush('ticket@@@newest', now + 100),
    );
    await postPush(
      stack.platform.url,
      stack.component.appid,
      ticketPush('ticket@@@older', now + 50),
    );
    const ticket = await stack.platform.app
      .get((await import('@app/wechat-open')).VerifyTicketService)
      .current(stack.component.appid);
    expect(ticket).toBe('ticket@@@newest');
  });

  it('records an InfoType it does not handle and answers success', async () => {
    const push = signedPush(stack.component, {
      AppId: stack.component.appid,
      CreateTime: Math.floor(Date.now() / 1000),
      InfoType: 'notify_3rd_wxa_wxverify',
      expired: '1',
    });
    expect(await postPush(stack.platform.url, stack.component.appid, push)).toEqual({
      status: 200,
      body: 'success',
    });
    const { rows } = await db.query(
      `SELECT 1 FROM wechat_event_log WHERE info_type = 'notify_3rd_wxa_wxverify'`,
    );
    expect(rows).toHaveLength(1);
  });

  describe('rejects bad pushes with a 4xx and stores nothing', () => {
    const good = () => ticketPush('ticket@@@evil', Math.floor(Date.now() / 1000) + 1000);
    let before: { log: number; ticket: string };

    beforeAll(async () => {
      before = {
        log: await count('wechat_event_log'),
        ticket: (
          await db.query<{ t: string }>(
            'SELECT ticket_ciphertext AS t FROM component_verify_ticket',
          )
        ).rows[0].t,
      };
    });

    afterAll(async () => {
      expect(await count('wechat_event_log')).toBe(before.log);
      const now = (
        await db.query<{ t: string }>('SELECT ticket_ciphertext AS t FROM component_verify_ticket')
      ).rows[0].t;
      expect(now).toBe(before.ticket);
    });

    const post = (p: { query: string; body: string }, appid = stack.component.appid) =>
      postPush(stack.platform.url, appid, p);
    const errorOf = (r: { body: string }) => (JSON.parse(r.body) as { code: string }).code;

    it('a wrong msg_signature', async () => {
      const p = good();
      const r = await post({
        ...p,
        query: p.query.replace(/msg_signature=[0-9a-f]+/, `msg_signature=${'0'.repeat(40)}`),
      });
      expect(r.status).toBe(401);
      expect(errorOf(r)).toBe('CRYPTO_BAD_SIGNATURE');
    });

    it('a replayed push whose body was tampered with', async () => {
      const p = good();
      const other = good();
      const r = await post({ query: p.query, body: other.body });
      expect(r.status).toBe(401);
    });

    it('a forged push signed with the right token but encrypted with another key', async () => {
      const forger = new WechatMessageCrypto({
        ...stack.component,
        encodingAesKey: newComponent().encodingAesKey,
      });
      const encrypt = forger.encrypt(
        buildWechatXml({
          AppId: stack.component.appid,
          CreateTime: 1,
          InfoType: 'component_verify_ticket',
          ComponentVerifyTicket: 'x',
        }),
      );
      const r = await post(envelope(stack.component, encrypt));
      expect(r.status).toBe(400);
      expect(errorOf(r)).toMatch(/^CRYPTO_/);
    });

    it('a push encrypted for another appid', async () => {
      const other = { ...stack.component, appid: 'wx0000000000000bad' };
      const p = signedPush(other, {
        AppId: other.appid,
        CreateTime: 1,
        InfoType: 'component_verify_ticket',
        ComponentVerifyTicket: 'x',
      });
      const r = await post(p);
      expect(r.status).toBe(400);
      expect(errorOf(r)).toBe('CRYPTO_APPID_MISMATCH');
    });

    it('an oversize body', async () => {
      const p = good();
      const r = await post({
        query: p.query,
        body: p.body.replace('</xml>', `<Pad>${'a'.repeat(70_000)}</Pad></xml>`),
      });
      expect(r.status).toBe(413);
    });

    it('an envelope with a DOCTYPE (XXE)', async () => {
      const p = good();
      const body = `<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY e SYSTEM "file:///etc/passwd">]>${p.body}`;
      const r = await post({ query: p.query, body });
      expect(r.status).toBe(400);
      expect(errorOf(r)).toBe('XML_FORBIDDEN');
    });

    it('a decrypted message with entity declarations (billion laughs)', async () => {
      const crypto = new WechatMessageCrypto(stack.component);
      const bomb =
        '<!DOCTYPE xml [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><xml><InfoType>&b;</InfoType></xml>';
      const r = await post(envelope(stack.component, crypto.encrypt(bomb)));
      expect(r.status).toBe(400);
      expect(errorOf(r)).toBe('XML_FORBIDDEN');
    });

    it('a push for a component this service does not serve', async () => {
      const r = await post(good(), 'wx00000000000unknown');
      expect(r.status).toBe(404);
      expect(errorOf(r)).toBe('UNKNOWN_COMPONENT');
    });

    it('a push without its signature parameters', async () => {
      const r = await post({ query: 'timestamp=1', body: good().body });
      expect(r.status).toBe(400);
    });
  });
});

describe('metrics', () => {
  it('counts pushes and WeChat calls by outcome, with no secret in the labels', async () => {
    const stack = await startStack({ platform: { schedulers: false } });
    try {
      await stack.platform
        .get(ComponentTokenService)
        .getComponentAccessToken(stack.component.appid);
      const bad = signedPush(
        { ...stack.component, token: 'wrong' },
        { AppId: stack.component.appid, CreateTime: 1, InfoType: 'x' },
      );
      await postPush(stack.platform.url, stack.component.appid, bad);
      const text = await (await fetch(`${stack.platform.url}/metrics`)).text();
      const c = stack.component.appid;
      expect(text).toContain(
        `wechat_events_total{component="${c}",info_type="component_verify_ticket",outcome="applied"} 1`,
      );
      expect(text).toContain(
        `wechat_events_total{component="${c}",info_type="unknown",outcome="CRYPTO_BAD_SIGNATURE"} 1`,
      );
      expect(text).toContain(
        'wechat_api_calls_total{endpoint="api_component_token",result="ok"} 1',
      );
      expect(text).toMatch(
        new RegExp(`wechat_component_ticket_age_seconds\\{component="${c}"\\} \\d+`),
      );
      const token = await stack.platform.get(ComponentTokenService).getComponentAccessToken(c);
      expect(text).not.toContain(token);
    } finally {
      await stack.close();
    }
  });
});
