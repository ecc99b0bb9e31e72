import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysService } from '../../apps/platform/src/access/api-keys.service.js';
import {
  ApiAnswer,
  ApiClient,
  apiClient,
  authorizeForTenant,
  operatorKey,
  tenantWithKey,
} from '../support/admin-api.js';
import { eventually, startStack, TestStack } from '../support/stack.js';

/** A request with a raw body (the client helper always sends JSON). */
async function send(
  url: string,
  key: string,
  method: string,
  body: string,
  contentType = 'application/json',
): Promise<ApiAnswer> {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': contentType },
    body,
  });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown>,
    headers: res.headers,
  };
}

const refusedField = (answer: ApiAnswer, field: string, what: string) => {
  expect(answer.status, what).toBe(400);
  expect(answer.body, what).toMatchObject({
    statusCode: 400,
    code: 'VALIDATION_FAILED',
    message: expect.stringContaining(`property ${field} should not exist`),
    requestId: expect.any(String),
  });
};

describe('admin and token API inputs: unknown fields refused alike, with a DTO or without', () => {
  let stack: TestStack;
  let operator: ApiClient;
  let operatorSecret: string;
  let service: ApiClient;
  let account: string;

  beforeAll(async () => {
    stack = await startStack({ platform: { schedulers: false } });
    operatorSecret = await operatorKey(stack.platform);
    operator = apiClient(stack.platform, operatorSecret);
    const made = await stack.platform
      .get(ApiKeysService)
      .create({ kind: 'service', name: 'svc', createdBy: 'test' });
    service = apiClient(stack.platform, made.key);
    // An account of a tenant (service keys see tenants' accounts), authorized as a user would.
    const RETURN = 'https://dash.acme.example/back/';
    const acme = apiClient(
      stack.platform,
      await tenantWithKey(stack.platform, 'acme', { returnUrlPrefixes: [RETURN] }),
    );
    const appid = await authorizeForTenant(stack, acme, RETURN);
    account = `/v1/components/${stack.component.appid}/authorizers/${appid}`;
    await eventually(async () => (await service.get(`${account}/access-token`)).status === 200);
  });
  afterAll(() => stack.close());

  it('routes with a DTO refuse an unknown field (the reference answer)', async () => {
    refusedField(
      await operator.post('/v1/tenants', { id: 'dto', name: 'DTO', extra: 1 }),
      'extra',
      'body',
    );
    refusedField(await operator.get('/v1/authorizers?foo=1'), 'foo', 'query');
  });

  it('routes without a query refuse one, and answer without it', async () => {
    const cases: [ApiClient, string][] = [
      [service, `${account}/access-token`],
      [operator, '/v1/tenants'],
      [operator, '/v1/me'],
      [operator, account],
      [operator, `${account}/history`],
      [operator, '/v1/components'],
    ];
    for (const [client, path] of cases) {
      refusedField(await client.get(`${path}?foo=1`), 'foo', path);
      refusedField(await client.get(`${path}?foo`), 'foo', `${path} (no value)`);
      expect((await client.get(path)).status, path).toBe(200);
    }
    const post = await operator.post(`${account}/profile-refresh?force=1`, {});
    refusedField(post, 'force', 'profile-refresh query');
  });

  it('routes without a body refuse one, and take an empty object or none', async () => {
    const refresh = `${stack.platform.url}${account}/profile-refresh`;
    refusedField(
      await send(refresh, operatorSecret, 'POST', JSON.stringify({ force: true })),
      'force',
      'object body',
    );
    for (const [body, type] of [
      ['[1]', 'application/json'],
      ['"x"', 'application/json'],
      ['force', 'text/plain'],
    ]) {
      const r = await send(refresh, operatorSecret, 'POST', body, type);
      expect(r.status, body).toBe(400);
      expect(r.body, body).toMatchObject({
        code: 'VALIDATION_FAILED',
        message: 'this endpoint takes no request body',
      });
    }
    expect((await operator.post(`${account}/profile-refresh`, {})).status).toBe(200);
    const none = await fetch(refresh, {
      method: 'POST',
      headers: { authorization: `Bearer ${operatorSecret}` },
    });
    expect(none.status).toBe(200);
  });

  it('refuses invalid tenants, and creates none of them', async () => {
    const cases: unknown[] = [
      {},
      { name: 'No id' },
      { id: 'no-name' },
      { id: 'Upper', name: 'Upper case' },
      { id: '-dash', name: 'Leading dash' },
      { id: 'x'.repeat(64), name: 'Too long' },
      { id: 'ok', name: '' },
      { id: 'ok', name: 'x'.repeat(201) },
      { id: 'ok', name: 7 },
      { id: 'ok', name: 'ok', returnUrlPrefixes: 'https://ok.example/' },
      { id: 'ok', name: 'ok', returnUrlPrefixes: ['javascript:alert(1)'] },
      { id: 'ok', name: 'ok', returnUrlPrefixes: ['https://u:p@ok.example/'] },
      { id: 'ok', name: 'ok', jssdkDomains: [1] },
      { id: 'ok', name: 'ok', jssdkDomains: ['https://ok.example'] },
    ];
    for (const body of cases) {
      const r = await operator.post('/v1/tenants', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body, JSON.stringify(body)).toMatchObject({
        statusCode: 400,
        code: 'VALIDATION_FAILED',
      });
    }
    const malformed = await send(`${stack.platform.url}/v1/tenants`, operatorSecret, 'POST', '{');
    expect(malformed.status).toBe(400);
    const listed = await operator.get<{ items: { id: string }[] }>('/v1/tenants');
    expect(listed.body.items.map((t) => t.id)).toEqual(['acme']);
    expect((await operator.post('/v1/tenants', { id: 'ok', name: 'ok' })).status).toBe(201);
  });

  it('refuses a key list filter that is not a kind or a tenant id', async () => {
    for (const query of [
      'kind=bad',
      'kind=',
      'kind=service&kind=tenant',
      'tenantId=Not%20an%20id',
    ]) {
      const r = await operator.get(`/v1/keys?${query}`);
      expect(r.status, query).toBe(400);
      expect(r.body, query).toMatchObject({ code: 'VALIDATION_FAILED' });
    }
    const services = await operator.get<{ items: { kind: string }[] }>('/v1/keys?kind=service');
    expect(services.status).toBe(200);
    expect(services.body.items.map((k) => k.kind)).toEqual(['service']);
  });
});
