import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricsService } from '../../apps/platform/src/metrics/metrics.service.js';
import { CallbackIpService } from '../../apps/platform/src/callback-ip/callback-ip.service.js';
import { signedPush, SignedPush } from '../support/push.js';
import { startStack, TestPlatform, TestStack } from '../support/stack.js';

/**
 * WeChat's callback IP list (getcallbackip): fetched and kept; with CALLBACK_IP_CHECK and a
 * trusted proxy, pushes from other addresses are refused 403 before anything is stored.
 */
describe("WeChat's callback IP list", () => {
  let stack: TestStack;
  let db: Client;
  let checked: TestPlatform;
  let c: string;

  const count = async (table: string) =>
    Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
  let createTime = Math.floor(Date.now() / 1000);
  const ticketPush = (ticket: string) =>
    signedPush(stack.component, {
      AppId: c,
      CreateTime: ++createTime,
      InfoType: 'component_verify_ticket',
      ComponentVerifyTicket: ticket,
    });
  const post = async (base: string, path: string, push: SignedPush, from?: string) => {
    const res = await fetch(`${base}/wechat/${c}/${path}?${push.query}`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml', ...(from ? { 'x-forwarded-for': from } : {}) },
      body: push.body,
    });
    return { status: res.status, body: await res.text() };
  };

  beforeAll(async () => {
    stack = await startStack();
    c = stack.component.appid;
    db = new Client(stack.db.url);
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await stack?.close();
  });

  it('fetches the list with the component token and keeps it in memory and the table', async () => {
    const service = stack.platform.get(CallbackIpService);
    expect(service.isWechat('127.0.0.1')).toBeNull();
    expect(await service.refresh()).toBe(1);
    expect(service.current()).toEqual({
      ipList: ['127.0.0.1', '::1'],
      fetchedAt: expect.any(Date),
    });
    expect(service.isWechat('127.0.0.1')).toBe(true);
    expect(service.isWechat('::ffff:127.0.0.1')).toBe(true);
    expect(service.isWechat('198.51.100.9')).toBe(false);
    const rows = await db.query<{ component_appid: string; ip_list: string[] }>(
      'SELECT component_appid, ip_list FROM wechat_callback_ip',
    );
    expect(rows.rows).toEqual([{ component_appid: c, ip_list: ['127.0.0.1', '::1'] }]);
    expect((await stack.sandbox.counters()).calls.getcallbackip).toBe(1);
    // A fresh list is not fetched again.
    await service.refreshIfStale();
    expect((await stack.sandbox.counters()).calls.getcallbackip).toBe(1);
  });

  it('an instance started later reads the kept list without asking WeChat', async () => {
    await stack.sandbox.settings({ callbackIps: ['203.0.113.7', '192.0.2.10'] });
    checked = await stack.startInstance({ trustProxy: '127.0.0.1', callbackIpCheck: true });
    const service = checked.get(CallbackIpService);
    expect(service.current().ipList).toEqual(['127.0.0.1', '::1']);
    expect((await stack.sandbox.counters()).calls.getcallbackip).toBe(1);
    expect(await service.refresh()).toBe(1);
    expect(service.current().ipList).toEqual(['192.0.2.10', '203.0.113.7']);
  });

  it('with the check on, a push from a foreign address is refused 403, counted, nothing stored', async () => {
    const tickets = await count('component_verify_ticket');
    const events = await count('wechat_event_log');
    const before = await db.query<{ ticket_ciphertext: string }>(
      'SELECT ticket_ciphertext FROM component_verify_ticket',
    );
    const refused = await post(
      checked.url,
      'events',
      ticketPush('ticket@@@foreign'),
      '198.51.100.9',
    );
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({
      statusCode: 403,
      code: 'CALLBACK_IP_REFUSED',
    });
    // The socket's own address (the trusted proxy) does not count when it names another.
    const message = await post(
      checked.url,
      `accounts/wx0123456789abcdef/messages`,
      ticketPush('x'),
      '198.51.100.9',
    );
    expect(message.status).toBe(403);
    expect(JSON.parse(message.body)).toMatchObject({ code: 'CALLBACK_IP_REFUSED' });
    expect(await count('component_verify_ticket')).toBe(tickets);
    expect(await count('wechat_event_log')).toBe(events);
    const after = await db.query<{ ticket_ciphertext: string }>(
      'SELECT ticket_ciphertext FROM component_verify_ticket',
    );
    expect(after.rows).toEqual(before.rows);
    const metric = await checked
      .get(MetricsService)
      .registry.getSingleMetricAsString('wechat_push_refused_callback_ip_total');
    expect(metric).toContain('wechat_push_refused_callback_ip_total{url="events"} 1');
    expect(metric).toContain('wechat_push_refused_callback_ip_total{url="messages"} 1');
  });

  it('with the check on, a push from an allowed address passes', async () => {
    const events = await count('wechat_event_log');
    const ok = await post(checked.url, 'events', ticketPush('ticket@@@allowed'), '203.0.113.7');
    expect(ok).toEqual({ status: 200, body: 'success' });
    expect(await count('wechat_event_log')).toBe(events + 1);
    // An untrusted X-Forwarded-For chain: only what the trusted proxy appended counts.
    const chained = await post(
      checked.url,
      'events',
      ticketPush('ticket@@@chained'),
      '203.0.113.7, 198.51.100.9',
    );
    expect(chained.status).toBe(403);
  });

  it('with the check off nothing changes, whatever X-Forwarded-For says', async () => {
    const events = await count('wechat_event_log');
    const first = await post(
      stack.platform.url,
      'events',
      ticketPush('ticket@@@off'),
      '198.51.100.9',
    );
    expect(first).toEqual({ status: 200, body: 'success' });
    const proxied = await stack.startInstance({ trustProxy: '127.0.0.1', callbackIpCheck: false });
    const second = await post(proxied.url, 'events', ticketPush('ticket@@@off2'), '198.51.100.9');
    expect(second).toEqual({ status: 200, body: 'success' });
    expect(await count('wechat_event_log')).toBe(events + 2);
  });

  it('fetches getcallbackip again once the kept list is a day old, not before', async () => {
    await stack.sandbox.settings({ callbackIps: ['203.0.113.8'] });
    const calls = async () => (await stack.sandbox.counters()).calls.getcallbackip;
    const fetched = async () =>
      (
        await db.query<{ age: number }>(
          `SELECT extract(epoch FROM now() - fetched_at)::float AS age FROM wechat_callback_ip`,
        )
      ).rows.map((r) => r.age);
    const before = await calls();
    // Schedulers off: the hourly cron of these instances must not race the refresh asked here.
    // Almost a day old: kept as is.
    await db.query(`UPDATE wechat_callback_ip SET fetched_at = now() - interval '23 hours'`);
    const young = (await stack.startInstance({ schedulers: false })).get(CallbackIpService);
    await young.refreshIfStale();
    expect(await calls()).toBe(before);
    expect(young.current().ipList).toEqual(['192.0.2.10', '203.0.113.7']);

    // Past a day: the refresh asks WeChat again and keeps the new list, with a new fetch time.
    await db.query(`UPDATE wechat_callback_ip SET fetched_at = now() - interval '25 hours'`);
    const aged = (await stack.startInstance({ schedulers: false })).get(CallbackIpService);
    const loaded = aged.current().fetchedAt;
    expect(Date.now() - loaded!.getTime()).toBeGreaterThan(24 * 3600 * 1000);
    await aged.refreshIfStale();
    expect(await calls()).toBe(before + 1);
    expect(aged.current().ipList).toEqual(['203.0.113.8']);
    expect(aged.current().fetchedAt!.getTime()).toBeGreaterThan(loaded!.getTime());
    for (const age of await fetched()) expect(age).toBeLessThan(3600);
    // Fresh again: the next hourly check does not fetch.
    await aged.refreshIfStale();
    expect(await calls()).toBe(before + 1);
  });
});
