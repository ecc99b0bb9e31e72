import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysService } from '../../apps/platform/src/access/api-keys.service.js';
import { ForwardingQueue } from '../../apps/platform/src/forwarding/forwarding-queue.service.js';
import { messageForwardable } from '../../apps/platform/src/forwarding/webhook-payload.js';
import { apiClient, ApiClient, operatorKey, tenantWithKey } from '../support/admin-api.js';
import { startStack, TestStack } from '../support/stack.js';
import { messageContext } from './contexts.js';

interface Webhook {
  id: string;
  tenantId: string;
  url: string;
  description: string | null;
  msgTypes: string[] | null;
  events: string[] | null;
  infoTypes: string[] | null;
  authorizerAppids: string[] | null;
  enabled: boolean;
  secretRotatedAt: string;
}
interface Created {
  secret: string;
  webhook: Webhook;
}
interface Page {
  items: { id: string; status: string }[];
  nextCursor: string | null;
}

const HOOK = 'https://hooks.acme.example/wechat';

describe('the webhooks admin API', () => {
  let stack: TestStack;
  let acme: ApiClient;
  let beta: ApiClient;
  let operator: ApiClient;
  let acmeHook: Created;
  let betaHook: Created;
  let betaDeliveryId: string;

  beforeAll(async () => {
    // Schedulers off: queued deliveries stay pending (nothing sends them).
    stack = await startStack({ initialTicket: false, platform: { schedulers: false } });
    acme = apiClient(stack.platform, await tenantWithKey(stack.platform, 'acme'));
    beta = apiClient(stack.platform, await tenantWithKey(stack.platform, 'beta'));
    operator = apiClient(stack.platform, await operatorKey(stack.platform));
    acmeHook = (await acme.post<Created>('/v1/tenants/acme/webhooks', { url: HOOK })).body;
    betaHook = (
      await beta.post<Created>('/v1/tenants/beta/webhooks', { url: 'https://beta.example/hook' })
    ).body;
    await enqueue('beta');
    const page = await beta.get<Page>(
      `/v1/tenants/beta/webhooks/${betaHook.webhook.id}/deliveries`,
    );
    betaDeliveryId = page.body.items[0].id;
  });
  afterAll(() => stack?.close());

  const enqueue = (tenantId: string) =>
    stack.platform.get(ForwardingQueue).enqueue(
      messageForwardable(
        messageContext({
          componentAppid: 'wxc0api00000001',
          authorizerAppid: 'wxa0api00000001',
          tenantId,
        }),
      ),
    );

  it('creates a webhook and shows its secret in that answer only', async () => {
    const res = await acme.post<Created>('/v1/tenants/acme/webhooks', {
      url: 'https://hooks.acme.example/text',
      description: 'text bot',
      msgTypes: ['TEXT'],
      events: [],
      authorizerAppids: ['wxa0api00000001'],
    });
    expect(res.status).toBe(201);
    expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(res.body.webhook).toMatchObject({
      tenantId: 'acme',
      url: 'https://hooks.acme.example/text',
      description: 'text bot',
      msgTypes: ['text'],
      events: [],
      infoTypes: null,
      authorizerAppids: ['wxa0api00000001'],
      enabled: true,
    });
    expect(res.body.webhook).not.toHaveProperty('secret');
    const id = res.body.webhook.id;
    for (const path of ['/v1/tenants/acme/webhooks', `/v1/tenants/acme/webhooks/${id}`]) {
      for (const client of [acme, operator]) {
        const read = await client.get(path);
        expect(read.status).toBe(200);
        expect(JSON.stringify(read.body)).not.toContain(res.body.secret);
        expect(JSON.stringify(read.body)).not.toMatch(/secret"|whsec_|ciphertext/i);
      }
    }
    const list = await acme.get<{ items: Webhook[] }>('/v1/tenants/acme/webhooks');
    expect(list.body.items.map((w) => w.id)).toEqual([acmeHook.webhook.id, id]);
  });

  it('refuses non-http(s) URLs, credentials, private hosts, unknown fields and bad filters', async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ url: 'ftp://hooks.acme.example/' }, 'WEBHOOK_URL_REFUSED', /http or https/],
      [{ url: 'https://u:p@hooks.acme.example/' }, 'WEBHOOK_URL_REFUSED', /credentials/],
      [{ url: 'https://u@hooks.acme.example/' }, 'WEBHOOK_URL_REFUSED', /credentials/],
      [{ url: 'http://127.0.0.1:9/hook' }, 'WEBHOOK_URL_REFUSED', /public/],
      [{ url: 'http://169.254.169.254/latest' }, 'WEBHOOK_URL_REFUSED', /public/],
      [{ url: 'not a url' }, 'WEBHOOK_URL_REFUSED', /absolute/],
      [{ url: HOOK, secret: 'mine' }, 'VALIDATION_FAILED', /secret/],
      [{ url: HOOK, msgTypes: 'text' }, 'VALIDATION_FAILED', /msgTypes/],
      [{ url: HOOK, msgTypes: ['te xt'] }, 'VALIDATION_FAILED', /msgTypes/],
      [{ url: HOOK, authorizerAppids: ['nope'] }, 'VALIDATION_FAILED', /authorizerAppids/],
      [{ url: HOOK, enabled: 'yes' }, 'VALIDATION_FAILED', /enabled/],
      [{}, 'VALIDATION_FAILED', /url/],
    ];
    for (const [body, code, message] of cases) {
      const res = await acme.post<{ code: string; message: string }>(
        '/v1/tenants/acme/webhooks',
        body,
      );
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code, JSON.stringify(body)).toBe(code);
      expect(res.body.message, JSON.stringify(body)).toMatch(message);
    }
    const patch = await acme.patch<{ code: string }>(
      `/v1/tenants/acme/webhooks/${acmeHook.webhook.id}`,
      { url: 'https://a:b@hooks.acme.example/' },
    );
    expect(patch.status).toBe(400);
    expect(patch.body.code).toBe('WEBHOOK_URL_REFUSED');
    for (const body of [{ tenantId: 'beta' }, { url: null }, { enabled: null }, { url: 5 }]) {
      const res = await acme.patch<{ code: string }>(
        `/v1/tenants/acme/webhooks/${acmeHook.webhook.id}`,
        body,
      );
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code, JSON.stringify(body)).toBe('VALIDATION_FAILED');
    }
    expect(
      (await acme.post('/v1/tenants/acme/webhooks', { url: HOOK, enabled: null })).status,
    ).toBe(400);
  });

  it('answers bodies that are not a JSON object with a 4xx', async () => {
    const key = await tenantWithKey(stack.platform, 'hostile');
    for (const [type, body] of [
      ['application/json', '[]'],
      ['application/json', '"https://hooks.acme.example/"'],
      ['application/json', '{"url":'],
      ['text/xml', '<xml><url>https://hooks.acme.example/</url></xml>'],
      ['text/plain', 'url=https://hooks.acme.example/'],
    ]) {
      const res = await fetch(`${stack.platform.url}/v1/tenants/hostile/webhooks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': type },
        body,
      });
      expect(res.status, `${type} ${body}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${type} ${body}`).toBeLessThan(500);
    }
    const list = await apiClient(stack.platform, key).get<{ items: unknown[] }>(
      '/v1/tenants/hostile/webhooks',
    );
    expect(list.body.items).toEqual([]);
  });

  it('changes the URL, filters and state; null filters mean every one again', async () => {
    const path = `/v1/tenants/acme/webhooks/${acmeHook.webhook.id}`;
    const changed = await acme.patch<Webhook>(path, {
      url: 'https://hooks.acme.example/v2',
      infoTypes: ['Authorized'],
      enabled: false,
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({
      url: 'https://hooks.acme.example/v2',
      infoTypes: ['authorized'],
      msgTypes: null,
      enabled: false,
    });
    const reset = await acme.patch<Webhook>(path, { infoTypes: null, enabled: true });
    expect(reset.body).toMatchObject({ infoTypes: null, enabled: true });
    expect((await acme.get<Webhook>(path)).body.url).toBe('https://hooks.acme.example/v2');
  });

  it('rotates the secret: a new one, shown once', async () => {
    const path = `/v1/tenants/acme/webhooks/${acmeHook.webhook.id}`;
    const rotated = await acme.post<Created>(`${path}/secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(acmeHook.secret);
    expect(new Date(rotated.body.webhook.secretRotatedAt).getTime()).toBeGreaterThan(
      new Date(acmeHook.webhook.secretRotatedAt).getTime(),
    );
    expect(JSON.stringify((await acme.get(path)).body)).not.toContain(rotated.body.secret);
  });

  it('pages the delivery log newest first, filtered by status', async () => {
    const tenant = apiClient(stack.platform, await tenantWithKey(stack.platform, 'pager'));
    const hook = (await tenant.post<Created>('/v1/tenants/pager/webhooks', { url: HOOK })).body;
    for (let i = 0; i < 5; i++) expect(await enqueue('pager')).toBe(1);
    const base = `/v1/tenants/pager/webhooks/${hook.webhook.id}/deliveries`;
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
      const page: { status: number; body: Page } = await tenant.get<Page>(`${base}${query}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((d) => d.id));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(5);
    const all = await tenant.get<Page>(base);
    expect(all.body.items.map((d) => d.id)).toEqual(seen);
    expect((await tenant.get<Page>(`${base}?status=pending`)).body.items).toHaveLength(5);
    expect((await tenant.get<Page>(`${base}?status=dead,delivered`)).body.items).toHaveLength(0);
    expect((await tenant.get(`${base}?status=lost`)).status).toBe(400);
    expect((await tenant.get(`${base}?limit=0`)).status).toBe(400);
    const bad = await tenant.get<{ code: string }>(`${base}?cursor=bm9wZQ`);
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('INVALID_CURSOR');
    // Pending: not finished, so not redeliverable.
    const refused = await tenant.post<{ code: string }>(`${base}/${seen[0]}/redeliver`);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('DELIVERY_NOT_FINISHED');
  });

  it("answers another tenant's webhooks, deliveries and tenant 404 on every route, exactly like missing ones", async () => {
    const b = `/v1/tenants/beta/webhooks/${betaHook.webhook.id}`;
    const a = `/v1/tenants/acme/webhooks/${betaHook.webhook.id}`;
    const missing = `/v1/tenants/acme/webhooks/00000000-0000-4000-8000-000000000000`;
    const attempts: [string, string, unknown?][] = [
      ['post', '/v1/tenants/beta/webhooks', { url: HOOK }],
      ['get', '/v1/tenants/beta/webhooks'],
      ['get', b],
      ['patch', b, { enabled: false }],
      ['delete', b],
      ['post', `${b}/secret`],
      ['get', `${b}/deliveries`],
      ['post', `${b}/deliveries/${betaDeliveryId}/redeliver`],
      // beta's webhook under acme's own tenant path
      ['get', a],
      ['patch', a, { enabled: false }],
      ['delete', a],
      ['post', `${a}/secret`],
      ['get', `${a}/deliveries`],
      ['post', `${a}/deliveries/${betaDeliveryId}/redeliver`],
      // beta's delivery under acme's own webhook
      [
        'post',
        `/v1/tenants/acme/webhooks/${acmeHook.webhook.id}/deliveries/${betaDeliveryId}/redeliver`,
      ],
      ['get', missing],
      ['get', `/v1/tenants/acme/webhooks/not-a-uuid`],
      ['post', '/v1/tenants/nobody/webhooks', { url: HOOK }],
    ];
    for (const [method, path, body] of attempts) {
      const res =
        method === 'get'
          ? await acme.get(path)
          : method === 'delete'
            ? await acme.delete(path)
            : method === 'patch'
              ? await acme.patch(path, body)
              : await acme.post(path, body);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body, `${method} ${path}`).toMatchObject({ code: 'NOT_FOUND' });
    }
    // beta's webhook is untouched: still enabled, same secret era, its delivery still there.
    const still = await beta.get<Webhook>(`/v1/tenants/beta/webhooks/${betaHook.webhook.id}`);
    expect(still.status).toBe(200);
    expect(still.body.enabled).toBe(true);
    expect(still.body.secretRotatedAt).toBe(betaHook.webhook.secretRotatedAt);
    expect((await beta.get<Page>(`${b}/deliveries`)).body.items.map((d) => d.id)).toEqual([
      betaDeliveryId,
    ]);
    // The operator sees both tenants'; an unknown tenant is a 404.
    expect((await operator.get(b)).status).toBe(200);
    expect((await operator.get(`/v1/tenants/acme/webhooks/${acmeHook.webhook.id}`)).status).toBe(
      200,
    );
    expect((await operator.post('/v1/tenants/nobody/webhooks', { url: HOOK })).status).toBe(404);
  });

  it('needs an operator or tenant key', async () => {
    expect((await apiClient(stack.platform).get('/v1/tenants/acme/webhooks')).status).toBe(401);
    const { key } = await stack.platform
      .get(ApiKeysService)
      .create({ kind: 'service', name: 'svc', createdBy: 'test' });
    expect((await apiClient(stack.platform, key).get('/v1/tenants/acme/webhooks')).status).toBe(
      403,
    );
  });

  it('deletes a webhook with its delivery log', async () => {
    const hook = (await operator.post<Created>('/v1/tenants/acme/webhooks', { url: HOOK })).body;
    const path = `/v1/tenants/acme/webhooks/${hook.webhook.id}`;
    await enqueue('acme');
    expect((await acme.get<Page>(`${path}/deliveries`)).body.items).toHaveLength(1);
    expect((await acme.delete(path)).status).toBe(204);
    expect((await acme.get(path)).status).toBe(404);
    expect((await acme.get(`${path}/deliveries`)).status).toBe(404);
    expect((await acme.delete(path)).status).toBe(404);
  });
});
