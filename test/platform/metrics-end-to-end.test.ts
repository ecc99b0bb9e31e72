import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthorizerTokenService } from '@app/wechat-open';
import { authorizeAccount } from '../support/accounts.js';
import { apiClient, tenantWithKey } from '../support/admin-api.js';
import { signedPush, postPush } from '../support/push.js';
import { eventually, startStack, TestStack } from '../support/stack.js';
import { messagePush, postMessage, textMessage } from '../messages/message-push.js';
import { Receiver } from '../forwarding/receiver.js';

/** `name{labels} value` lines of a scrape, by series (comments left out). */
function parse(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    series.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return series;
}

/**
 * The metrics after an end-to-end run through the sandbox over real HTTP and the real database:
 * two accounts authorized, a token read from memory and refreshed on demand, pushes, messages
 * forwarded to a tenant's webhook (one receiver answers 200, the other always 500 until the
 * delivery is dead); then junk requests, which must create no series.
 */
describe('metrics after an end-to-end run', () => {
  let stack: TestStack;
  let receiver: Receiver;
  let db: Client;
  let c: string;
  let accounts: { appid: string; userName: string }[];

  beforeAll(async () => {
    stack = await startStack({
      platform: {
        forwarding: {
          pollIntervalMs: 100,
          allowPrivateNetworks: true,
          maxAttempts: 2,
          backoffBaseMs: 50,
          backoffMaxMs: 100,
        },
      },
    });
    c = stack.component.appid;
    receiver = await new Receiver().start();
    receiver.script('/down', [], 500);
    db = new Client({ connectionString: stack.db.url });
    await db.connect();
    accounts = [await authorizeAccount(stack), await authorizeAccount(stack)];
    for (const [i, tenant] of ['acme', 'beta'].entries()) {
      const api = apiClient(stack.platform, await tenantWithKey(stack.platform, tenant));
      await db.query(`UPDATE authorizer SET tenant_id = $1 WHERE authorizer_appid = $2`, [
        tenant,
        accounts[i].appid,
      ]);
      const path = tenant === 'acme' ? '/up' : '/down';
      const created = await api.post('/v1/tenants/' + tenant + '/webhooks', {
        url: `${receiver.url}${path}`,
        infoTypes: [],
      });
      expect(created.status).toBe(201);
    }
  });
  afterAll(async () => {
    await db?.end();
    await receiver?.close();
    await stack?.close();
  });

  const scrape = async () => {
    const res = await fetch(`${stack.platform.url}/metrics`);
    expect(res.status).toBe(200);
    return res.text();
  };

  it('counts pushes, messages, WeChat calls, refreshes, token reads, deliveries; gauges tokens, backlog and jobs', async () => {
    const tokens = stack.platform.get(AuthorizerTokenService);
    const first = await tokens.getAuthorizerAccessToken(accounts[0].appid, c);
    await tokens.getAuthorizerAccessToken(accounts[0].appid, c);
    // Reported rejected: refreshed on demand through api_authorizer_token.
    const next = await tokens.rejectToken(accounts[0].appid, first, c);
    expect(next.token).not.toBe(first);
    // Made due in the database: the sweep (every second in tests) refreshes it.
    await db.query(
      `UPDATE authorizer_token SET next_refresh_at = now() WHERE authorizer_appid = $1`,
      [accounts[1].appid],
    );
    await eventually(async () =>
      parse(await scrape()).get(
        `wechat_authorizer_refreshes_total{component="${c}",trigger="schedule",result="ok"}`,
      ),
    );

    for (const a of accounts) {
      const res = await postMessage(
        stack.platform.url,
        c,
        a.appid,
        messagePush(stack.component, textMessage(a.userName, 'o_user_metrics', 'hello')),
      );
      expect(res.status).toBe(200);
    }
    await eventually(async () => receiver.at('/up').length === 1);
    await eventually(async () => receiver.at('/down').length === 2);

    const m = await eventually(async () => {
      const s = parse(await scrape());
      return (s.get('wechat_webhook_deliveries_total{result="dead"}') ?? 0) >= 1 && s;
    });
    expect(m.get('wechat_webhook_deliveries_total{result="delivered"}')).toBe(1);
    expect(m.get('wechat_webhook_deliveries_total{result="failed"}')).toBe(1);
    expect(m.get('wechat_webhook_deliveries_total{result="dead"}')).toBe(1);

    // Pushes: tickets (the first, and any the platform asked for) and the two authorizations.
    expect(
      m.get(
        `wechat_events_total{component="${c}",info_type="component_verify_ticket",outcome="applied"}`,
      ),
    ).toBeGreaterThanOrEqual(1);
    expect(
      m.get(`wechat_events_total{component="${c}",info_type="authorized",outcome="applied"}`),
    ).toBe(2);
    // Messages: both, by component and MsgType.
    const texts = [...m].filter(([k]) =>
      k.startsWith(`wechat_messages_total{component="${c}",msg_type="text",`),
    );
    expect(texts.reduce((sum, [, v]) => sum + v, 0)).toBe(2);

    // WeChat calls by endpoint and result, with their latency.
    expect(m.get('wechat_api_calls_total{endpoint="api_component_token",result="ok"}')).toBe(1);
    expect(m.get('wechat_api_calls_total{endpoint="api_query_auth",result="ok"}')).toBe(2);
    expect(m.get('wechat_api_calls_total{endpoint="api_authorizer_token",result="ok"}')).toBe(2);
    expect(m.get('wechat_api_call_duration_seconds_count{endpoint="api_authorizer_token"}')).toBe(
      2,
    );
    expect(
      m.get('wechat_api_call_duration_seconds_bucket{le="+Inf",endpoint="api_authorizer_token"}'),
    ).toBe(2);

    // Refreshes by trigger and result: the on-demand one and the sweep's.
    expect(
      m.get(`wechat_authorizer_refreshes_total{component="${c}",trigger="demand",result="ok"}`),
    ).toBe(1);
    expect(
      m.get(`wechat_authorizer_refreshes_total{component="${c}",trigger="schedule",result="ok"}`),
    ).toBe(1);

    // Token reads: the second read came from memory.
    const hits = m.get('wechat_authorizer_token_reads_total{result="hit"}') ?? 0;
    const misses = m.get('wechat_authorizer_token_reads_total{result="miss"}') ?? 0;
    expect(hits).toBeGreaterThanOrEqual(1);
    expect(misses).toBeGreaterThanOrEqual(1);

    // Gauges read at scrape time.
    expect(m.get(`wechat_authorizers{component="${c}",status="authorized"}`)).toBe(2);
    expect(m.get(`wechat_authorizers{component="${c}",status="revoked"}`)).toBe(0);
    expect(m.get(`wechat_authorizers{component="${c}",status="needs_reauth"}`)).toBe(0);
    expect(m.get(`wechat_authorizers{component="${c}",status="detached"}`)).toBe(0);
    expect(m.get(`wechat_authorizer_tokens{component="${c}",state="valid"}`)).toBe(2);
    expect(m.get(`wechat_authorizer_tokens{component="${c}",state="expiring"}`)).toBe(0);
    expect(m.get(`wechat_authorizer_tokens{component="${c}",state="expired"}`)).toBe(0);
    expect(m.get(`wechat_authorizer_refresh_backlog{component="${c}"}`)).toBe(0);
    expect(m.get(`wechat_jobs{component="${c}",status="pending"}`)).toBe(0);
    expect(m.get(`wechat_jobs{component="${c}",status="failed"}`)).toBe(0);
    expect(m.get(`wechat_component_ticket_age_seconds{component="${c}"}`)).toBeGreaterThanOrEqual(
      0,
    );
    expect(m.get(`wechat_component_token_expires_in_seconds{component="${c}"}`)).toBeGreaterThan(0);
  });

  it('a revoked account moves from authorized to revoked, its token to none', async () => {
    await stack.sandbox.revoke(c, accounts[1].appid);
    const m = await eventually(async () => {
      const s = parse(await scrape());
      return s.get(`wechat_authorizers{component="${c}",status="revoked"}`) === 1 && s;
    });
    expect(m.get(`wechat_authorizers{component="${c}",status="authorized"}`)).toBe(1);
    expect(m.get(`wechat_authorizer_tokens{component="${c}",state="valid"}`)).toBe(1);
  });

  it('junk requests create no series and put nothing they wrote in a label', async () => {
    const junkRound = async () => {
      const junk = `junk${randomBytes(6).toString('hex')}`;
      // Unknown components, accounts, InfoTypes and MsgTypes; bad signatures; odd paths.
      await fetch(`${stack.platform.url}/wechat/${junk}/events`, {
        method: 'POST',
        body: '<xml/>',
      });
      await fetch(`${stack.platform.url}/wechat/${c}/accounts/${junk}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml' },
        body: `<xml><ToUserName>${junk}</ToUserName></xml>`,
      });
      await postPush(
        stack.platform.url,
        c,
        signedPush(stack.component, {
          AppId: c,
          CreateTime: Math.floor(Date.now() / 1000),
          InfoType: junk,
        }),
      );
      await postMessage(
        stack.platform.url,
        c,
        accounts[0].appid,
        messagePush(stack.component, {
          ...textMessage(accounts[0].userName, `o_${junk}`, junk),
          MsgType: junk,
        }),
      );
      await fetch(`${stack.platform.url}/metrics/${junk}`);
      await fetch(`${stack.platform.url}/health/${junk}`);
      return junk;
    };
    await junkRound();
    const before = parse(await scrape());
    const junk = await junkRound();
    const text = await scrape();
    expect(text).not.toContain(junk);
    const after = parse(text);
    // Node's own process metrics (active handles and the like) come and go; ours must not.
    const created = [...after.keys()].filter((k) => k.startsWith('wechat_') && !before.has(k));
    expect(created).toEqual([]);
  });
});
