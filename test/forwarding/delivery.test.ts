import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComponentEventContext, WechatMessageContext } from '@app/wechat-open';
import { DeliveryRetention } from '../../apps/platform/src/forwarding/delivery-retention.js';
import { ForwardingQueue } from '../../apps/platform/src/forwarding/forwarding-queue.service.js';
import { ForwardingHandlers } from '../../apps/platform/src/forwarding/forwarding.handlers.js';
import {
  eventForwardable,
  messageForwardable,
} from '../../apps/platform/src/forwarding/webhook-payload.js';
import { apiClient, ApiClient, tenantWithKey } from '../support/admin-api.js';
import { eventually, startStack, TestPlatform, TestStack } from '../support/stack.js';
import { componentEventContext, eventMessageContext, messageContext } from './contexts.js';
import { Answer, Receiver } from './receiver.js';
import { verifyWopSignature } from './verify-signature.js';

interface Created {
  secret: string;
  webhook: { id: string };
}
interface Delivery {
  id: string;
  status: string;
  attempts: number;
  lastHttpStatus: number | null;
  lastError: string | null;
  type: string;
  msgType: string | null;
}

const BACKOFF_BASE_MS = 100;
const MAX_ATTEMPTS = 3;
const TIMEOUT_MS = 1500;

describe('forwarding to tenants: signed deliveries, retries, dead-letter, redeliver, filters', () => {
  let stack: TestStack;
  let receiver: Receiver;
  let db: Client;
  const logs: string[] = [];
  /** Every secret and message content the tests made: none may be logged. */
  const secrets: string[] = [];
  const contents: string[] = [];
  const component = 'wxc0forwarding0001';
  const account = 'wxa0forwarding0001';

  beforeAll(async () => {
    stack = await startStack({
      initialTicket: false,
      platform: {
        logLevel: 'debug',
        forwarding: {
          backoffBaseMs: BACKOFF_BASE_MS,
          backoffMaxMs: 400,
          maxAttempts: MAX_ATTEMPTS,
          timeoutMs: TIMEOUT_MS,
          pollIntervalMs: 50,
          concurrency: 4,
          allowPrivateNetworks: true,
        },
      },
      logStream: { write: (line: string) => void logs.push(line) },
    });
    receiver = await new Receiver().start();
    db = new Client({ connectionString: stack.db.url });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await receiver?.close();
    await stack?.close();
  });

  /** A tenant of its own per test, with its key's client. */
  const tenant = async (id: string): Promise<ApiClient> =>
    apiClient(stack.platform, await tenantWithKey(stack.platform, id));

  const webhook = async (
    api: ApiClient,
    tenantId: string,
    path: string,
    body: Record<string, unknown> = {},
    answers: Answer[] = [],
    then: Answer = 200,
  ): Promise<Created> => {
    receiver.script(path, answers, then);
    const res = await api.post<Created>(`/v1/tenants/${tenantId}/webhooks`, {
      url: `${receiver.url}${path}`,
      ...body,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    secrets.push(res.body.secret);
    return res.body;
  };

  const enqueueMessage = (ctx: WechatMessageContext, on: TestPlatform = stack.platform) => {
    contents.push(ctx.fields.Content as string);
    return on.get(ForwardingQueue).enqueue(messageForwardable(ctx));
  };
  const enqueueEvent = (ctx: ComponentEventContext) =>
    stack.platform.get(ForwardingQueue).enqueue(eventForwardable(ctx));
  const message = (tenantId: string, extra: Partial<WechatMessageContext> = {}) =>
    messageContext({ componentAppid: component, authorizerAppid: account, tenantId, ...extra });

  const deliveries = async (api: ApiClient, tenantId: string, id: string) => {
    const res = await api.get<{ items: Delivery[] }>(
      `/v1/tenants/${tenantId}/webhooks/${id}/deliveries`,
    );
    expect(res.status).toBe(200);
    return res.body.items;
  };
  const settled = (api: ApiClient, tenantId: string, id: string, status: string) =>
    eventually(async () => {
      const items = await deliveries(api, tenantId, id);
      return items.length > 0 && items.every((d) => d.status === status) && items;
    });

  it('signs each delivery so that the documented snippet verifies it, and sends the documented payload', async () => {
    const api = await tenant('signed');
    const hook = await webhook(api, 'signed', '/signed');
    const ctx = message('signed');
    expect(await enqueueMessage(ctx)).toBe(1);
    const [got] = await eventually(
      async () => receiver.at('/signed').length === 1 && receiver.at('/signed'),
    );

    expect(verifyWopSignature(hook.secret, got.headers, got.body)).toBe(true);
    expect(verifyWopSignature('whsec_not-the-secret', got.headers, got.body)).toBe(false);
    expect(verifyWopSignature(hook.secret, got.headers, `${got.body} `)).toBe(false);
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['x-wop-attempt']).toBe('1');
    const payload = JSON.parse(got.body) as Record<string, unknown>;
    expect(payload).toEqual({
      id: got.headers['x-wop-delivery'],
      type: 'message',
      componentAppid: component,
      authorizerAppid: account,
      tenantId: 'signed',
      msgType: 'text',
      event: null,
      msgId: ctx.msgId,
      fromUser: ctx.fromUser,
      toUser: 'gh_test',
      createTime: ctx.createTime.toISOString(),
      receivedAt: ctx.receivedAt.toISOString(),
      xml: ctx.xml,
      fields: ctx.fields,
    });
    const [logged] = await settled(api, 'signed', hook.webhook.id, 'delivered');
    expect(logged).toMatchObject({
      id: payload.id,
      type: 'message',
      msgType: 'text',
      attempts: 1,
      lastHttpStatus: 200,
      lastError: null,
    });

    // At rest: the body and the secret are sealed (key id t1), the content nowhere in clear.
    const { rows } = await db.query<{ body: string; secret: string }>(
      `SELECT d.body_ciphertext AS body, e.secret_ciphertext AS secret
         FROM webhook_delivery d JOIN webhook_endpoint e ON e.id = d.endpoint_id
        WHERE e.id = $1`,
      [hook.webhook.id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].body).toMatch(/^v1:t1:/);
    expect(rows[0].secret).toMatch(/^v1:t1:/);
    expect(rows[0].body).not.toContain(ctx.fields.Content as string);
    expect(rows[0].secret).not.toContain(hook.secret);

    // A rotated secret signs the next delivery; the old one no longer verifies.
    const rotated = await api.post<Created>(
      `/v1/tenants/signed/webhooks/${hook.webhook.id}/secret`,
    );
    expect(rotated.status).toBe(200);
    secrets.push(rotated.body.secret);
    await enqueueMessage(message('signed'));
    const second = await eventually(async () => receiver.at('/signed')[1]);
    expect(verifyWopSignature(rotated.body.secret, second.headers, second.body)).toBe(true);
    expect(verifyWopSignature(hook.secret, second.headers, second.body)).toBe(false);
  });

  it('queues a message once however often WeChat retries it (MsgId, or sender + CreateTime + Event)', async () => {
    const api = await tenant('retried');
    const hook = await webhook(api, 'retried', '/retried');
    const text = message('retried');
    expect(await enqueueMessage(text)).toBe(1);
    expect(await enqueueMessage({ ...text, receivedAt: new Date() })).toBe(0);
    const subscribe = eventMessageContext({
      componentAppid: component,
      authorizerAppid: account,
      tenantId: 'retried',
    });
    expect(await enqueueMessage(subscribe)).toBe(1);
    expect(await enqueueMessage({ ...subscribe, receivedAt: new Date() })).toBe(0);
    const event = componentEventContext({ componentAppid: component, tenantId: 'retried' });
    expect(await enqueueEvent(event)).toBe(1);
    expect(await enqueueEvent({ ...event, eventId: 'another-row' })).toBe(0);
    const items = await settled(api, 'retried', hook.webhook.id, 'delivered');
    expect(items).toHaveLength(3);
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.at('/retried')).toHaveLength(3);
  });

  it('retries failed attempts with growing delays, then delivers', async () => {
    const api = await tenant('flaky');
    const hook = await webhook(
      api,
      'flaky',
      '/flaky',
      {},
      [500, { status: 503, body: 'busy' }],
      200,
    );
    await enqueueMessage(message('flaky'));
    const [done] = await settled(api, 'flaky', hook.webhook.id, 'delivered');
    expect(done).toMatchObject({ attempts: 3, lastHttpStatus: 200, lastError: null });
    const got = receiver.at('/flaky');
    expect(got).toHaveLength(3);
    expect(new Set(got.map((r) => r.headers['x-wop-delivery']))).toEqual(new Set([done.id]));
    expect(got.map((r) => r.headers['x-wop-attempt'])).toEqual(['1', '2', '3']);
    for (const r of got) expect(verifyWopSignature(hook.secret, r.headers, r.body)).toBe(true);
    // Equal jitter: the n-th retry waits at least half of base · 2^(n-1).
    expect(got[1].at - got[0].at).toBeGreaterThanOrEqual(BACKOFF_BASE_MS / 2 - 5);
    expect(got[2].at - got[1].at).toBeGreaterThanOrEqual(BACKOFF_BASE_MS - 5);
  });

  it('gives up after the last attempt (dead), and a redeliver sends it again from the start', async () => {
    const api = await tenant('down');
    const hook = await webhook(api, 'down', '/down', {}, [], {
      status: 500,
      body: `oops ${'x'.repeat(5000)}`,
    });
    await enqueueMessage(message('down'));
    const [dead] = await settled(api, 'down', hook.webhook.id, 'dead');
    expect(dead.attempts).toBe(MAX_ATTEMPTS);
    expect(dead.lastHttpStatus).toBe(500);
    expect(dead.lastError).toMatch(/^HTTP 500: oops x+$/);
    expect(dead.lastError!.length).toBeLessThanOrEqual('HTTP 500: '.length + 200);
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.at('/down')).toHaveLength(MAX_ATTEMPTS);

    const list = await api.get<{ items: Delivery[] }>(
      `/v1/tenants/down/webhooks/${hook.webhook.id}/deliveries?status=dead`,
    );
    expect(list.body.items.map((d) => d.id)).toEqual([dead.id]);

    receiver.script('/down', [], 200);
    const redeliver = `/v1/tenants/down/webhooks/${hook.webhook.id}/deliveries/${dead.id}/redeliver`;
    const again = await api.post<Delivery>(redeliver);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: dead.id, status: 'pending', attempts: 0 });
    const [delivered] = await settled(api, 'down', hook.webhook.id, 'delivered');
    expect(delivered).toMatchObject({ id: dead.id, attempts: 1, lastHttpStatus: 200 });
    expect(receiver.at('/down')).toHaveLength(MAX_ATTEMPTS + 1);

    // A delivered one can be sent again too (the receiver lost it): same id, so it can dedupe.
    expect((await api.post(redeliver)).status).toBe(200);
    await eventually(async () => receiver.at('/down').length === MAX_ATTEMPTS + 2);
    const last = receiver.at('/down')[MAX_ATTEMPTS + 1];
    expect(last.headers['x-wop-delivery']).toBe(dead.id);
    expect(verifyWopSignature(hook.secret, last.headers, last.body)).toBe(true);
  });

  it('a receiver that hangs or streams forever holds only its own slot until the timeout', async () => {
    const api = await tenant('slow');
    const hang = await webhook(api, 'slow', '/hang', { msgTypes: ['text'] }, [], 'hang');
    const stream = await webhook(api, 'slow', '/stream', {}, [], 'stream-forever');
    const fast = await webhook(api, 'slow', '/fast');
    const started = Date.now();
    await enqueueMessage(message('slow'));
    await settled(api, 'slow', fast.webhook.id, 'delivered');
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS);

    // Being sent: not finished, so not redeliverable.
    const [sending] = await deliveries(api, 'slow', hang.webhook.id);
    expect(sending.status).toBe('delivering');
    const refused = await api.post(
      `/v1/tenants/slow/webhooks/${hang.webhook.id}/deliveries/${sending.id}/redeliver`,
    );
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'DELIVERY_NOT_FINISHED' });

    const [timedOut] = await eventually(async () => {
      const items = await deliveries(api, 'slow', hang.webhook.id);
      return items[0]?.lastError !== null && items;
    });
    expect(timedOut.lastError).toBe(`timeout after ${TIMEOUT_MS} ms`);
    expect(timedOut.lastHttpStatus).toBeNull();
    const [streamed] = await eventually(async () => {
      const items = await deliveries(api, 'slow', stream.webhook.id);
      return items[0]?.lastError !== null && items;
    });
    expect(streamed.lastHttpStatus).toBe(500);
    expect(streamed.lastError).toMatch(/^HTTP 500: x{200}$/);
    // Both endpoints off: their pending retries are not claimed any more.
    for (const id of [hang.webhook.id, stream.webhook.id])
      expect((await api.patch(`/v1/tenants/slow/webhooks/${id}`, { enabled: false })).status).toBe(
        200,
      );
  });

  it('forwards to each endpoint only what its filters admit', async () => {
    const api = await tenant('filters');
    const other = 'wxa0forwarding0002';
    await webhook(api, 'filters', '/f-all');
    await webhook(api, 'filters', '/f-text', { msgTypes: ['TEXT'] });
    await webhook(api, 'filters', '/f-subscribe', { msgTypes: ['event'], events: ['Subscribe'] });
    await webhook(api, 'filters', '/f-other', { authorizerAppids: [other] });
    await webhook(api, 'filters', '/f-no-infotypes', { infoTypes: [] });
    await webhook(api, 'filters', '/f-authorized', { msgTypes: [], infoTypes: ['authorized'] });
    await webhook(api, 'filters', '/f-off', { enabled: false });

    // A text message of `account`: all, text-only and no-InfoTypes admit it.
    expect(await enqueueMessage(message('filters'))).toBe(3);
    await enqueueMessage(
      eventMessageContext({
        componentAppid: component,
        authorizerAppid: account,
        tenantId: 'filters',
      }),
    );
    await enqueueMessage({
      ...eventMessageContext({
        componentAppid: component,
        authorizerAppid: other,
        tenantId: 'filters',
      }),
      event: 'CLICK',
    });
    await enqueueEvent(
      componentEventContext({
        componentAppid: component,
        authorizerAppid: account,
        tenantId: 'filters',
        infoType: 'updateauthorized',
      }),
    );
    await enqueueEvent(
      componentEventContext({
        componentAppid: component,
        authorizerAppid: other,
        tenantId: 'filters',
        infoType: 'authorized',
      }),
    );

    const expected: Record<string, string[]> = {
      '/f-all': ['text', 'subscribe', 'click', 'updateauthorized', 'authorized'],
      '/f-text': ['text', 'updateauthorized', 'authorized'],
      '/f-subscribe': ['subscribe', 'updateauthorized', 'authorized'],
      '/f-other': ['click', 'authorized'],
      '/f-no-infotypes': ['text', 'subscribe', 'click'],
      '/f-authorized': ['authorized'],
      '/f-off': [],
    };
    const total = Object.values(expected).flat().length;
    await eventually(
      async () => Object.keys(expected).reduce((n, p) => n + receiver.at(p).length, 0) >= total,
    );
    await new Promise((r) => setTimeout(r, 300));
    const what = (body: string) => {
      const p = JSON.parse(body) as {
        type: string;
        msgType?: string;
        event?: string;
        infoType?: string;
      };
      return p.type === 'event' ? p.infoType! : (p.event ?? p.msgType!).toLowerCase();
    };
    for (const [path, names] of Object.entries(expected))
      expect(
        receiver
          .at(path)
          .map((r) => what(r.body))
          .sort(),
        path,
      ).toEqual([...names].sort());
  });

  it('forwards nothing of accounts without a tenant', async () => {
    const api = await tenant('lonely');
    const hook = await webhook(api, 'lonely', '/lonely');
    const handlers = stack.platform.get(ForwardingHandlers);
    await handlers.onMessage(message('lonely', { tenantId: null }));
    await handlers.onComponentEvent(
      componentEventContext({ componentAppid: component, tenantId: null }),
    );
    expect(await enqueueMessage(message('lonely', { tenantId: null }))).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.at('/lonely')).toHaveLength(0);
    expect(await deliveries(api, 'lonely', hook.webhook.id)).toEqual([]);
    const { rows } = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM webhook_delivery WHERE endpoint_id = $1`,
      [hook.webhook.id],
    );
    expect(Number(rows[0].n)).toBe(0);
  });

  it('shares the queue between instances: each delivery is sent once', async () => {
    const second = await stack.startInstance();
    try {
      const api = await tenant('shared');
      await webhook(api, 'shared', '/shared');
      const queued = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          enqueueMessage(message('shared'), i % 2 === 0 ? stack.platform : second),
        ),
      );
      expect(queued.every((n) => n === 1)).toBe(true);
      await eventually(async () => receiver.at('/shared').length >= 30);
      await new Promise((r) => setTimeout(r, 300));
      const ids = receiver.at('/shared').map((r) => r.headers['x-wop-delivery']);
      expect(ids).toHaveLength(30);
      expect(new Set(ids).size).toBe(30);
    } finally {
      await second.stop();
    }
  });

  it('prunes delivered and dead deliveries past the retention, never pending ones', async () => {
    const api = await tenant('pruned');
    const hook = await webhook(api, 'pruned', '/pruned');
    await enqueueMessage(message('pruned'));
    await enqueueMessage(message('pruned'));
    const [old, recent] = await settled(api, 'pruned', hook.webhook.id, 'delivered');
    // The slow test left pending retries on its disabled endpoints: aged too, they must stay.
    const aged = await db.query(
      `UPDATE webhook_delivery SET updated_at = now() - interval '31 days'
        WHERE id = $1 OR status = 'pending' RETURNING status`,
      [old.id],
    );
    expect(
      aged.rows.filter((r: { status: string }) => r.status === 'pending').length,
    ).toBeGreaterThan(0);
    expect(await stack.platform.get(DeliveryRetention).runOnce()).toBe(1);
    expect((await deliveries(api, 'pruned', hook.webhook.id)).map((d) => d.id)).toEqual([
      recent.id,
    ]);
    const { rows } = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM webhook_delivery WHERE status = 'pending'`,
    );
    expect(Number(rows[0].n)).toBe(aged.rows.length - 1);
  });

  it('never logs a secret, a body or the content of a message', () => {
    expect(logs.length).toBeGreaterThan(0);
    const text = logs.join('\n');
    expect(text).toMatch(/webhook delivery .* is dead after 3 attempt\(s\)/);
    for (const secret of secrets) expect(text).not.toContain(secret);
    for (const content of contents) expect(text).not.toContain(content);
    expect(text).not.toContain('<xml>');
  });
});
