import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthorizerTokenService, JsApiService } from '@app/wechat-open';
import { ApiKeysService } from '../../apps/platform/src/access/api-keys.service.js';
import { TenantsService } from '../../apps/platform/src/access/tenants.service.js';
import { authorizeAccount } from '../support/accounts.js';
import { apiClient, operatorKey, tenantWithKey } from '../support/admin-api.js';
import { startStack, TestStack } from '../support/stack.js';

type Json = Record<string, unknown>;

describe('token API (service keys)', () => {
  let stack: TestStack;
  let db: Client;
  const logs: string[] = [];
  /** Every token the API handed out: none may appear in a log line. */
  const handedOut = new Set<string>();
  const accounts: Record<'a1' | 'a2' | 'b1' | 'n1', string> = { a1: '', a2: '', b1: '', n1: '' };
  const keys: Record<'all' | 'acme' | 'a1only' | 'operator' | 'tenant', string> = {
    all: '',
    acme: '',
    a1only: '',
    operator: '',
    tenant: '',
  };
  let component: string;
  const base = (appid: string, c = component) => `/v1/components/${c}/authorizers/${appid}`;

  /** A call with a key and a request id of our choosing. */
  const send = async (
    key: string,
    method: string,
    path: string,
    body?: unknown,
    requestId?: string,
  ) => {
    const res = await fetch(`${stack.platform.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(requestId ? { 'x-request-id': requestId } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const parsed = (await res.json()) as Json;
    if (typeof parsed.accessToken === 'string') handedOut.add(parsed.accessToken);
    return { status: res.status, body: parsed };
  };
  const tokenCalls = async (appid: string) =>
    (await stack.sandbox.counters()).callsByAccount.api_authorizer_token?.[appid] ?? 0;

  beforeAll(async () => {
    stack = await startStack({
      platform: {
        schedulers: false,
        logLevel: 'debug',
        rateLimits: { adminPerMin: 600, tokenApiPerMin: 60_000 },
      },
      logStream: { write: (line: string) => void logs.push(line) },
    });
    component = stack.component.appid;
    for (const name of ['a1', 'a2', 'b1', 'n1'] as const)
      accounts[name] = (await authorizeAccount(stack)).appid;
    db = new Client({ connectionString: stack.db.url });
    await db.connect();
    const tenants = stack.platform.get(TenantsService);
    await tenants.create({ id: 'beta', name: 'Beta' });
    keys.tenant = await tenantWithKey(stack.platform, 'acme', { jssdkDomains: ['m.acme.example'] });
    // The registry binds tenants through authorization sessions; here the rows are set directly.
    for (const [appid, tenant] of [
      [accounts.a1, 'acme'],
      [accounts.a2, 'acme'],
      [accounts.b1, 'beta'],
    ])
      await db.query(
        `UPDATE authorizer SET tenant_id = $1 WHERE component_appid = $2 AND authorizer_appid = $3`,
        [tenant, component, appid],
      );
    const service = stack.platform.get(ApiKeysService);
    const make = async (
      name: string,
      scope: { scopeTenantIds?: string[]; scopeAuthorizerAppids?: string[] },
    ) => (await service.create({ kind: 'service', name, createdBy: 'test', ...scope })).key;
    keys.all = await make('all accounts', {});
    keys.acme = await make('acme only', { scopeTenantIds: ['acme'] });
    keys.a1only = await make('a1 only', { scopeAuthorizerAppids: [accounts.a1] });
    keys.operator = await operatorKey(stack.platform);
  });
  afterAll(async () => {
    await db?.end();
    await stack?.close();
  });

  it('GET /v1/me tells any key who it is', async () => {
    for (const [name, kind] of [
      ['all', 'service'],
      ['operator', 'operator'],
      ['tenant', 'tenant'],
    ] as const) {
      const r = await send(keys[name], 'GET', '/v1/me');
      expect(r.status).toBe(200);
      expect(r.body).toEqual({
        kind,
        keyId: expect.any(String),
        displayPrefix: keys[name].slice(0, String(r.body.displayPrefix).length),
        tenantId: kind === 'tenant' ? 'acme' : null,
      });
    }
    expect((await apiClient(stack.platform).get('/v1/me')).status).toBe(401);
  });

  it("hands out the account's token with its expiry", async () => {
    const r = await send(keys.all, 'GET', `${base(accounts.a1)}/access-token`);
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(['accessToken', 'expiresAt']);
    expect(r.body.accessToken).toBe(
      await stack.platform.get(AuthorizerTokenService).getAuthorizerAccessToken(accounts.a1),
    );
    expect(new Date(String(r.body.expiresAt)).toISOString()).toBe(r.body.expiresAt);
    expect(Date.parse(String(r.body.expiresAt))).toBeGreaterThan(Date.now());
  });

  it('answers an account out of scope exactly like an unknown one, on every route', async () => {
    const routes = (appid: string, c?: string): [string, string, unknown?][] => [
      ['GET', `${base(appid, c)}/access-token`],
      ['POST', `${base(appid, c)}/access-token/rejected`, { accessToken: 'x' }],
      [
        'GET',
        `${base(appid, c)}/jssdk-config?url=${encodeURIComponent('https://m.acme.example/')}`,
      ],
      ['POST', `${base(appid, c)}/calls`, { method: 'GET', path: '/cgi-bin/user/info' }],
    ];
    const strip = (b: Json) => ({ ...b, requestId: '' });
    const reference = strip(
      (await send(keys.all, 'GET', `${base('wx0000000000000000')}/access-token`)).body,
    );
    expect(reference).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
    const refused: [string, string][] = [
      ['acme', accounts.b1], // another tenant
      ['acme', accounts.n1], // no tenant
      ['a1only', accounts.a2], // same tenant, not in the list
      ['a1only', accounts.b1],
      ['all', 'wx0000000000000000'], // unknown
      ['all', 'not-an-appid'],
    ];
    for (const [key, appid] of refused)
      for (const [method, path, body] of routes(appid)) {
        const r = await send(keys[key as 'acme'], method, path, body);
        expect(r.status, `${key} ${method} ${path}`).toBe(404);
        expect(strip(r.body)).toEqual(reference);
      }
    // An unknown component, with an account that exists under ours.
    for (const [method, path, body] of routes(accounts.a1, 'wx1111111111111111')) {
      const r = await send(keys.all, method, path, body);
      expect(r.status).toBe(404);
      expect(strip(r.body)).toEqual(reference);
    }
    for (const [key, appid] of [
      ['acme', accounts.a1],
      ['acme', accounts.a2],
      ['a1only', accounts.a1],
      ['all', accounts.b1],
    ])
      expect((await send(keys[key as 'acme'], 'GET', `${base(appid)}/access-token`)).status).toBe(
        200,
      );
  });

  it('refuses operator and tenant keys on the token routes', async () => {
    for (const key of [keys.operator, keys.tenant])
      for (const [method, path, body] of [
        ['GET', `${base(accounts.a1)}/access-token`],
        ['POST', `${base(accounts.a1)}/access-token/rejected`, { accessToken: 'x' }],
        ['GET', `${base(accounts.a1)}/jssdk-config?url=https://m.acme.example/`],
        ['POST', `${base(accounts.a1)}/calls`, { method: 'GET', path: '/cgi-bin/user/info' }],
      ] as [string, string, unknown?][]) {
        const r = await send(key, method, path, body);
        expect(r.status).toBe(403);
        expect(r.body).toMatchObject({ code: 'KEY_KIND_REFUSED' });
      }
  });

  it('a rejected token is refreshed once however many report it; an old one is not', async () => {
    const appid = accounts.a2;
    const current = await send(keys.all, 'GET', `${base(appid)}/access-token`);
    const stale = String(current.body.accessToken);
    const before = await tokenCalls(appid);
    const reports = await Promise.all(
      Array.from({ length: 5 }, () =>
        send(keys.acme, 'POST', `${base(appid)}/access-token/rejected`, { accessToken: stale }),
      ),
    );
    for (const r of reports) expect(r.status).toBe(200);
    const fresh = reports[0].body.accessToken;
    expect(fresh).not.toBe(stale);
    for (const r of reports) expect(r.body).toEqual(reports[0].body);
    expect(await tokenCalls(appid)).toBe(before + 1);
    // Later reports of the same old token, or of anything else, get the current one, no refresh.
    for (const accessToken of [stale, 'not-a-token-at-all']) {
      const again = await send(keys.all, 'POST', `${base(appid)}/access-token/rejected`, {
        accessToken,
      });
      expect(again.status).toBe(200);
      expect(again.body.accessToken).toBe(fresh);
    }
    expect(await tokenCalls(appid)).toBe(before + 1);
    expect((await send(keys.all, 'GET', `${base(appid)}/access-token`)).body.accessToken).toBe(
      fresh,
    );
    for (const body of [
      {},
      { accessToken: '' },
      { accessToken: 5 },
      { accessToken: 'x', extra: 1 },
    ]) {
      const r = await send(keys.all, 'POST', `${base(appid)}/access-token/rejected`, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    }
  });

  it("signs JS-SDK configs only for pages on the tenant's domains", async () => {
    const page = 'https://m.acme.example/shop/index.html?from=menu';
    const q = (url: string, extra = '') =>
      `${base(accounts.a1)}/jssdk-config?url=${encodeURIComponent(url)}${extra}`;
    const r = await send(keys.acme, 'GET', q(`${page}#top`, '&jsApiList=chooseImage,scanQRCode'));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      appId: accounts.a1,
      jsApiList: ['chooseImage', 'scanQRCode'],
      timestamp: expect.any(Number),
      nonceStr: expect.any(String),
    });
    const ticket = await stack.platform.get(JsApiService).getTicket(accounts.a1);
    const signed = `jsapi_ticket=${ticket}&noncestr=${String(r.body.nonceStr)}&timestamp=${String(r.body.timestamp)}&url=${page}`;
    expect(r.body.signature).toBe(createHash('sha1').update(signed).digest('hex'));

    for (const [url, code] of [
      ['https://evil.example/', 'JSSDK_DOMAIN_NOT_ALLOWED'],
      ['https://m.acme.example.evil.example/', 'JSSDK_DOMAIN_NOT_ALLOWED'],
      ['https://acme.example/', 'JSSDK_DOMAIN_NOT_ALLOWED'],
      ['not a url', 'JSSDK_URL_INVALID'],
      ['ftp://m.acme.example/', 'JSSDK_URL_INVALID'],
      ['javascript:alert(1)', 'JSSDK_URL_INVALID'],
    ]) {
      const bad = await send(keys.acme, 'GET', q(url));
      expect(bad.status, url).toBe(400);
      expect(bad.body).toMatchObject({ code });
    }
    // beta allows no domain at all.
    const none = await send(
      keys.all,
      'GET',
      `${base(accounts.b1)}/jssdk-config?url=${encodeURIComponent(page)}`,
    );
    expect(none.status).toBe(400);
    expect(none.body).toMatchObject({ code: 'JSSDK_DOMAIN_NOT_ALLOWED' });
    for (const path of [
      `${base(accounts.a1)}/jssdk-config`,
      `${q(page)}&url=${encodeURIComponent(page)}`,
      q(page, '&jsApiList=a;b'),
    ]) {
      const bad = await send(keys.acme, 'GET', path);
      expect(bad.status, path).toBe(400);
      expect(bad.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    }
  });

  it('refuses every malformed call with a 400 and its code', async () => {
    const calls = `${base(accounts.a1)}/calls`;
    const cases: [unknown, string][] = [
      [{ method: 'GET', path: 'cgi-bin/user/info' }, 'CALL_PATH_NOT_ALLOWED'],
      [
        { method: 'GET', path: 'https://api.weixin.qq.com/cgi-bin/user/info' },
        'CALL_PATH_NOT_ALLOWED',
      ],
      [{ method: 'GET', path: '//evil.example/cgi-bin/user/info' }, 'CALL_PATH_NOT_ALLOWED'],
      [{ method: 'GET', path: '/cgi-bin//user/info' }, 'CALL_PATH_NOT_ALLOWED'],
      [{ method: 'GET', path: '/cgi-bin/../sandbox/counters' }, 'CALL_PATH_NOT_ALLOWED'],
      [{ method: 'GET', path: '/cgi-bin/./user/info' }, 'CALL_PATH_NOT_ALLOWED'],
      [{ method: 'GET', path: '/cgi-bin/%2e%2e/sandbox' }, 'CALL_PATH_NOT_ALLOWED'],
      [{ method: 'GET', path: '/cgi-bin/user/info?access_token=x' }, 'CALL_PATH_NOT_ALLOWED'],
      [{ method: 'GET', path: '/cgi-bin/user/info#x' }, 'CALL_PATH_NOT_ALLOWED'],
      [{ method: 'GET', path: '/cgi-bin/user/info/' }, 'CALL_PATH_NOT_ALLOWED'],
      [{ method: 'GET', path: '/sandbox/counters' }, 'CALL_PATH_NOT_ALLOWED'],
      [{ method: 'GET', path: '/cgi-bin' }, 'CALL_PATH_NOT_ALLOWED'],
      [
        { method: 'POST', path: '/cgi-bin/component/api_authorizer_token' },
        'CALL_PATH_NOT_ALLOWED',
      ],
      [{ method: 'POST', path: '/sns/oauth2/component/access_token' }, 'CALL_PATH_NOT_ALLOWED'],
      [{ method: 'GET', path: '/cgi-bin/token' }, 'CALL_PATH_NOT_ALLOWED'],
      [{ method: 'GET', path: '/cgi-bin/ticket/getticket' }, 'CALL_PATH_NOT_ALLOWED'],
      [{ method: 'GET', path: `/cgi-bin/${'x'.repeat(300)}` }, 'CALL_PATH_NOT_ALLOWED'],
      [
        { method: 'GET', path: '/cgi-bin/user/info', query: { access_token: 'x' } },
        'CALL_QUERY_NOT_ALLOWED',
      ],
      [
        { method: 'GET', path: '/cgi-bin/user/info', query: { Component_Access_Token: 'x' } },
        'CALL_QUERY_NOT_ALLOWED',
      ],
      [
        { method: 'GET', path: '/cgi-bin/user/info', query: { openid: 5 } },
        'CALL_QUERY_NOT_ALLOWED',
      ],
      [
        { method: 'GET', path: '/cgi-bin/user/info', query: { 'a b': 'x' } },
        'CALL_QUERY_NOT_ALLOWED',
      ],
      [{ method: 'GET', path: '/cgi-bin/user/info', body: { a: 1 } }, 'CALL_BODY_NOT_ALLOWED'],
      [{ method: 'DELETE', path: '/cgi-bin/user/info' }, 'VALIDATION_FAILED'],
      [{ path: '/cgi-bin/user/info' }, 'VALIDATION_FAILED'],
      [{ method: 'GET' }, 'VALIDATION_FAILED'],
      [{ method: 'POST', path: '/cgi-bin/message/custom/send', body: [1] }, 'VALIDATION_FAILED'],
      [{ method: 'GET', path: '/cgi-bin/user/info', query: 'openid=x' }, 'VALIDATION_FAILED'],
      [{ method: 'GET', path: '/cgi-bin/user/info', url: 'x' }, 'VALIDATION_FAILED'],
    ];
    for (const [body, code] of cases) {
      const r = await send(keys.all, 'POST', calls, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body, JSON.stringify(body)).toMatchObject({ code });
    }
  });

  it("calls WeChat on the account's behalf and returns WeChat's answer as it is", async () => {
    const calls = `${base(accounts.a1)}/calls`;
    const info = await send(keys.a1only, 'POST', calls, {
      method: 'GET',
      path: '/cgi-bin/user/info',
      query: { openid: 'o-user-1', lang: 'en' },
    });
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({ openid: 'o-user-1', language: 'en', subscribe: 1 });
    const sent = await send(keys.a1only, 'POST', calls, {
      method: 'POST',
      path: '/cgi-bin/message/custom/send',
      body: { touser: 'o-user-1', msgtype: 'text', text: { content: 'hello' } },
    });
    expect(sent).toEqual({ status: 200, body: { errcode: 0, errmsg: 'ok' } });
    // A business errcode is WeChat's answer: 200, its body.
    const missing = await send(keys.a1only, 'POST', calls, {
      method: 'GET',
      path: '/cgi-bin/user/info',
    });
    expect(missing.status).toBe(200);
    expect(missing.body).toMatchObject({ errcode: 40003 });
    // A token WeChat stopped accepting is refreshed and the call retried, once.
    const before = await tokenCalls(accounts.a1);
    await stack.sandbox.invalidateToken(accounts.a1);
    const retried = await send(keys.a1only, 'POST', calls, {
      method: 'GET',
      path: '/cgi-bin/user/info',
      query: { openid: 'o-user-2' },
    });
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ openid: 'o-user-2' });
    expect(await tokenCalls(accounts.a1)).toBe(before + 1);
  });

  it('records every secret handed out or used, with the request id, never the secret', async () => {
    const keyId = async (key: string) => String((await send(key, 'GET', '/v1/me')).body.keyId);
    const tag = `log-${Date.now()}`;
    const a1 = base(accounts.a1);
    const token = await send(keys.acme, 'GET', `${a1}/access-token`, undefined, `${tag}-1`);
    await send(
      keys.acme,
      'POST',
      `${a1}/access-token/rejected`,
      { accessToken: 'old' },
      `${tag}-2`,
    );
    await send(
      keys.acme,
      'GET',
      `${a1}/jssdk-config?url=${encodeURIComponent('https://m.acme.example/')}`,
      undefined,
      `${tag}-3`,
    );
    await send(
      keys.acme,
      'POST',
      `${a1}/calls`,
      { method: 'GET', path: '/cgi-bin/user/info', query: { openid: 'o' } },
      `${tag}-4`,
    );
    // Refused requests hand out nothing and record nothing.
    await send(keys.acme, 'GET', `${base(accounts.b1)}/access-token`, undefined, `${tag}-5`);
    await send(keys.acme, 'POST', `${a1}/calls`, { method: 'GET', path: '/x/y' }, `${tag}-6`);
    const { rows } = await db.query<Json>(
      `SELECT api_key_id, action, component_appid, authorizer_appid, tenant_id, request_id
         FROM secret_access_log WHERE request_id LIKE $1 ORDER BY request_id`,
      [`${tag}-%`],
    );
    const common = {
      api_key_id: await keyId(keys.acme),
      component_appid: component,
      authorizer_appid: accounts.a1,
      tenant_id: 'acme',
    };
    expect(rows).toEqual([
      { ...common, action: 'access_token', request_id: `${tag}-1` },
      { ...common, action: 'token_rejected', request_id: `${tag}-2` },
      { ...common, action: 'jssdk_config', request_id: `${tag}-3` },
      { ...common, action: 'call', request_id: `${tag}-4` },
    ]);
    expect(token.body.accessToken).toEqual(expect.any(String));
    const { rows: all } = await db.query<{ row: string }>(
      `SELECT t::text AS row FROM secret_access_log t`,
    );
    const text = logs.join('\n');
    expect(handedOut.size).toBeGreaterThan(2);
    for (const t of handedOut) {
      expect(all.map((r) => r.row).join('\n')).not.toContain(t);
      expect(text).not.toContain(t);
    }
    expect(logs.length).toBeGreaterThan(0);
  });

  it('describes the routes in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${stack.platform.url}/docs-json`)).json()) as {
      paths: Record<
        string,
        Record<string, { tags?: string[]; responses: Record<string, unknown> }>
      >;
    };
    const prefix = '/v1/components/{componentAppid}/authorizers/{authorizerAppid}';
    for (const [path, method] of [
      [`${prefix}/access-token`, 'get'],
      [`${prefix}/access-token/rejected`, 'post'],
      [`${prefix}/jssdk-config`, 'get'],
      [`${prefix}/calls`, 'post'],
    ]) {
      const op = doc.paths[path]?.[method];
      expect(op, path).toBeDefined();
      expect(op.tags).toEqual(['token']);
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '403', '404']));
    }
    expect(doc.paths['/v1/me']?.get).toBeDefined();
  });
});
