import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysService } from '../../apps/platform/src/access/api-keys.service.js';
import { authorizeAccount } from '../support/accounts.js';
import { apiClient, ApiClient, operatorKey, tenantWithKey } from '../support/admin-api.js';
import { eventually, startStack, TestStack } from '../support/stack.js';

type Json = Record<string, unknown>;

describe('operator endpoints: component health, list sync, quota tools', () => {
  let stack: TestStack;
  let op: ApiClient;
  let c: string;

  /** A call straight to the sandbox's WeChat API (as WeChat's console or another tool would). */
  const wechat = async (path: string, body: unknown): Promise<Json> => {
    const res = await fetch(`${stack.sandbox.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return (await res.json()) as Json;
  };
  const sandboxCalls = async (endpoint: string) =>
    (await stack.sandbox.counters()).calls[endpoint] ?? 0;
  const query = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => {
    const client = new Client({ connectionString: stack.db.url });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    stack = await startStack();
    c = stack.component.appid;
    op = apiClient(stack.platform, await operatorKey(stack.platform));
  });
  afterAll(() => stack?.close());

  it('reports each component: ticket, token, refresh backlog, failed jobs', async () => {
    const body = await eventually(async () => {
      const r = await op.get<{ items: Json[] }>('/v1/components');
      expect(r.status).toBe(200);
      return (r.body.items[0]?.token as Json | undefined)?.present ? r.body : null;
    });
    expect(body.items).toEqual([
      {
        appid: c,
        ticket: { present: true, ageSec: expect.any(Number), stale: false, rejectedErrcode: null },
        token: { present: true, expiresAt: expect.any(String), refreshedAt: expect.any(String) },
        refreshBacklog: { due: 0, oldestDueAt: null, failing: 0 },
        failedJobs: 0,
        lastErrcodes: [],
      },
    ]);
  });

  it('runs the authorizer list sync; an unknown component is a 404', async () => {
    await authorizeAccount(stack);
    const r = await op.post('/v1/components/' + c + '/authorizer-list-sync');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ seen: 1, created: 0, recovered: 0 });
    const unknown = await op.post('/v1/components/wxc0000000000000000/authorizer-list-sync');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'NOT_FOUND' });
  });

  it("reads WeChat's quota of one API, with the separate component_rate_limit", async () => {
    const r = await op.get(
      `/v1/components/${c}/quota?cgiPath=/cgi-bin/component/api_get_authorizer_list`,
    );
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      componentAppid: c,
      cgiPath: '/cgi-bin/component/api_get_authorizer_list',
      dailyLimit: 10000,
      used: expect.any(Number),
      remain: expect.any(Number),
      rateLimit: { callCount: expect.any(Number), refreshSecond: expect.any(Number) },
      componentRateLimit: { callCount: expect.any(Number), refreshSecond: expect.any(Number) },
    });
    // The sync above called api_get_authorizer_list at least once.
    expect(r.body.used).toBeGreaterThanOrEqual(1);
    expect(Number(r.body.used) + Number(r.body.remain)).toBe(10000);
    for (const bad of [
      'cgi-bin/component/api_component_token',
      '/cgi-bin/x?y=1',
      '/cgi-bin/../x',
      `/${'a'.repeat(300)}`,
    ]) {
      const refused = await op.get(`/v1/components/${c}/quota?cgiPath=${encodeURIComponent(bad)}`);
      expect(refused.status, bad).toBe(400);
      expect(refused.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    }
    expect((await op.get(`/v1/components/${c}/quota`)).status).toBe(400);
    const twice = await op.get(`/v1/components/${c}/quota?cgiPath=/a&cgiPath=/b`);
    expect(twice.status).toBe(400);
    const unknown = await op.get(`/v1/components/${c}/quota?cgiPath=/cgi-bin/nope`);
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ code: 'INVALID_CGI_PATH' });
  });

  it('resets only when confirmed, counts the month, refuses the 11th before calling WeChat', async () => {
    const reset = (body: unknown) => op.post<Json>(`/v1/components/${c}/quota/reset`, body);
    expect((await reset({})).body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    expect((await reset({ confirm: 'wxsomethingelse' })).body).toMatchObject({
      statusCode: 400,
      code: 'CONFIRMATION_REQUIRED',
    });
    expect((await reset({ confirm: c, extra: 1 })).body).toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    expect(await sandboxCalls('clear_quota_v2')).toBe(0);

    const first = await reset({ confirm: c });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      componentAppid: c,
      targetAppid: c,
      month: expect.stringMatching(/^\d{4}-\d{2}$/),
      resetsUsed: 1,
      resetsRemaining: 9,
    });
    for (let i = 2; i <= 10; i++) {
      const r = await reset({ confirm: c });
      expect(r.status).toBe(200);
      expect(r.body.resetsRemaining).toBe(10 - i);
    }
    expect(await sandboxCalls('clear_quota_v2')).toBe(10);
    const eleventh = await reset({ confirm: c });
    expect(eleventh.status).toBe(429);
    expect(eleventh.body).toMatchObject({ code: 'QUOTA_RESET_BUDGET_EXHAUSTED' });
    expect(await sandboxCalls('clear_quota_v2')).toBe(10);

    const rows = await query<{ outcome: string; errcode: number | null; request_id: string }>(
      `SELECT outcome, errcode, request_id FROM quota_reset WHERE target_appid = $1 ORDER BY id`,
      [c],
    );
    expect(rows.map((r) => r.outcome)).toEqual([...Array(10).fill('reset'), 'budget_refused']);
    expect(rows.every((r) => r.request_id)).toBe(true);
    // Append-only.
    await expect(query(`UPDATE quota_reset SET errcode = 1`)).rejects.toThrow();
    await expect(query(`DELETE FROM quota_reset`)).rejects.toThrow();
  });

  it("maps WeChat's own 48006 (resets spent elsewhere) to the same 429, then stops asking", async () => {
    const account = await authorizeAccount(stack);
    // Ten resets made outside the platform (WeChat's console shares the budget).
    for (let i = 0; i < 10; i++) {
      const r = await wechat('/cgi-bin/component/clear_quota/v2', {
        component_appid: c,
        appsecret: stack.component.secret,
        appid: account.appid,
      });
      expect(r.errcode).toBe(0);
    }
    const before = await sandboxCalls('clear_quota_v2');
    const path = `/v1/components/${c}/quota/reset`;
    const refused = await op.post(path, { appid: account.appid, confirm: c });
    expect(refused.body).toMatchObject({ code: 'CONFIRMATION_REQUIRED' });
    const r = await op.post(path, { appid: account.appid, confirm: account.appid });
    expect(r.status).toBe(429);
    expect(r.body).toMatchObject({ code: 'QUOTA_RESET_BUDGET_EXHAUSTED' });
    expect(await sandboxCalls('clear_quota_v2')).toBe(before + 1);
    const again = await op.post(path, { appid: account.appid, confirm: account.appid });
    expect(again.status).toBe(429);
    expect(await sandboxCalls('clear_quota_v2')).toBe(before + 1);
    const rows = await query<{ outcome: string; errcode: number | null }>(
      `SELECT outcome, errcode FROM quota_reset WHERE target_appid = $1 ORDER BY id`,
      [account.appid],
    );
    expect(rows).toEqual([
      { outcome: 'refused', errcode: 48006 },
      { outcome: 'budget_refused', errcode: null },
    ]);
    // An appid WeChat does not know for this component.
    const stranger = await op.post(path, {
      appid: 'wx0000000000000000',
      confirm: 'wx0000000000000000',
    });
    expect(stranger.status).toBe(404);
  });

  it('explains a rid, credentials withheld; unknown and expired rids are 404 RID_NOT_FOUND', async () => {
    const failed = await wechat('/cgi-bin/component/clear_quota/v2', {
      component_appid: c,
      appsecret: 'not-the-secret',
    });
    expect(failed.errcode).toBe(40125);
    const rid = /rid: (\S+)$/.exec(String(failed.errmsg))![1];
    const r = await op.get<Json>(`/v1/components/${c}/rids/${rid}`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      rid,
      invokeTime: expect.any(String),
      costMs: expect.any(Number),
      requestUrl: '',
      requestBody: JSON.stringify({ component_appid: c, appsecret: '***' }),
      responseBody: JSON.stringify(failed),
      clientIp: '127.0.0.1',
    });
    expect(JSON.stringify(r.body)).not.toContain('not-the-secret');

    for (const unknown of ['0123abcd-89abcdef', 'not-a-rid!', 'ab-'.repeat(30)]) {
      const missing = await op.get(`/v1/components/${c}/rids/${encodeURIComponent(unknown)}`);
      expect(missing.status, unknown).toBe(404);
      expect(missing.body).toMatchObject({ code: 'RID_NOT_FOUND' });
    }
    // WeChat keeps rids 7 days.
    await stack.sandbox.settings({ ridTtlSec: 0 });
    try {
      const expired = await op.get(`/v1/components/${c}/rids/${rid}`);
      expect(expired.status).toBe(404);
      expect(expired.body).toMatchObject({ code: 'RID_NOT_FOUND' });
    } finally {
      await stack.sandbox.settings({ ridTtlSec: 7 * 24 * 3600 });
    }
  });

  it('replays a stored push over HTTP; credential-bearing, unknown and foreign ids are refused', async () => {
    const account = await authorizeAccount(stack);
    await stack.sandbox.revoke(c, account.appid);
    const events = await eventually(async () => {
      const rows = await query<{ id: string; info_type: string }>(
        `SELECT id::text, info_type FROM wechat_event_log
          WHERE component_appid = $1 AND authorizer_appid = $2 ORDER BY id`,
        [c, account.appid],
      );
      return rows.some((r) => r.info_type === 'unauthorized') ? rows : null;
    });
    const byType = (t: string) => events.find((e) => e.info_type === t)!.id;

    const replayed = await op.post(`/v1/components/${c}/events/${byType('unauthorized')}/replay`);
    expect(replayed.status).toBe(200);
    expect(replayed.body).toEqual({ infoType: 'unauthorized', disposition: 'applied', note: null });

    const authorized = await op.post(`/v1/components/${c}/events/${byType('authorized')}/replay`);
    expect(authorized.status).toBe(409);
    expect(authorized.body).toMatchObject({ code: 'EVENT_NOT_REPLAYABLE' });
    expect(authorized.body.message).toMatch(/keeps no credential/);

    for (const id of ['999999999', 'abc', '0', '99999999999999999999999']) {
      const r = await op.post(`/v1/components/${c}/events/${id}/replay`);
      expect(r.status, id).toBe(404);
      expect(r.body, id).toMatchObject({ code: 'EVENT_NOT_FOUND' });
    }
    const foreign = await op.post(
      `/v1/components/wxc0000000000000000/events/${byType('unauthorized')}/replay`,
    );
    expect(foreign.status).toBe(404);
    expect(foreign.body).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses tenant and service keys on every operator route with 403 KEY_KIND_REFUSED', async () => {
    const tenant = await tenantWithKey(stack.platform, 'acme');
    const { key: service } = await stack.platform
      .get(ApiKeysService)
      .create({ kind: 'service', name: 'backend', createdBy: 'test' });
    const calls = stack.sandbox.counters();
    for (const key of [tenant, service]) {
      const client = apiClient(stack.platform, key);
      for (const r of [
        await client.get('/v1/components'),
        await client.post(`/v1/components/${c}/authorizer-list-sync`),
        await client.get(`/v1/components/${c}/quota?cgiPath=/cgi-bin/openapi/quota/get`),
        await client.post(`/v1/components/${c}/quota/reset`, { confirm: c }),
        await client.get(`/v1/components/${c}/rids/0123abcd-89abcdef`),
        await client.post(`/v1/components/${c}/events/1/replay`),
      ]) {
        expect(r.status).toBe(403);
        expect(r.body).toMatchObject({ code: 'KEY_KIND_REFUSED' });
      }
    }
    // Refused before anything reached WeChat.
    const after = await stack.sandbox.counters();
    const before = await calls;
    for (const endpoint of ['clear_quota_v2', 'quota_get', 'rid_get', 'api_get_authorizer_list'])
      expect(after.calls[endpoint] ?? 0, endpoint).toBe(before.calls[endpoint] ?? 0);
  });
});
