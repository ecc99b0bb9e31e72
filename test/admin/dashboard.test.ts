import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthorizerTokenService } from '@app/wechat-open';
import { newAccount } from '../support/accounts.js';
import { ApiClient, apiClient, operatorKey, tenantWithKey } from '../support/admin-api.js';
import { authorizeThroughPages } from '../support/browser.js';
import { startStack, TestStack } from '../support/stack.js';

type Page = {
  items: { authorizerAppid: string; status: string }[];
  total: number;
  nextCursor: string | null;
};

/** The body of an error without its request id (which differs on every request). */
const withoutRequestId = (body: unknown) => {
  const { requestId, ...rest } = body as { requestId: string };
  expect(requestId).toMatch(/./);
  return rest;
};

describe('admin API for dashboards: authorization links and accounts, tenant by tenant', () => {
  let stack: TestStack;
  let operator: ApiClient;
  let acme: ApiClient;
  let globex: ApiClient;
  const RETURN = 'https://dash.acme.example/wechat/';
  const oa = newAccount('official_account');
  const mp = newAccount('mini_program');
  const rival = newAccount('official_account');
  let component: string;
  const account = (appid: string, rest = '') =>
    `/v1/components/${component}/authorizers/${appid}${rest}`;

  /** Authorizes `appid` for `tenant` through a link made by the admin API, as a user would. */
  async function connect(client: ApiClient, appid: string, funcInfo?: string[]) {
    const s = await client.post<{ entryUrl: string }>('/v1/authorization-sessions', {
      returnUrl: `${RETURN}done`,
    });
    expect(s.status).toBe(201);
    const { landing } = await authorizeThroughPages(s.body.entryUrl, appid, funcInfo);
    expect(landing.status).toBe(302);
  }

  beforeAll(async () => {
    stack = await startStack({ platform: { schedulers: false } });
    component = stack.component.appid;
    operator = apiClient(stack.platform, await operatorKey(stack.platform));
    acme = apiClient(
      stack.platform,
      await tenantWithKey(stack.platform, 'acme', { returnUrlPrefixes: [RETURN] }),
    );
    globex = apiClient(
      stack.platform,
      await tenantWithKey(stack.platform, 'globex', {
        returnUrlPrefixes: ['https://globex.example/back/'],
      }),
    );
    for (const a of [oa, mp, rival]) await stack.sandbox.addAccount(a);
    await connect(acme, oa.appid, ['1', '15']);
    await connect(acme, mp.appid, ['17', '18']);
    const s = await globex.post<{ entryUrl: string }>('/v1/authorization-sessions', {
      returnUrl: 'https://globex.example/back/x',
    });
    await authorizeThroughPages(s.body.entryUrl, rival.appid);
  });
  afterAll(() => stack.close());

  describe('authorization sessions', () => {
    it('give the entry URL with a QR code of it as SVG and PNG', async () => {
      const res = await acme.post<Record<string, string>>('/v1/authorization-sessions', {
        kind: 'mobile',
        authType: 1,
        returnUrl: `${RETURN}after`,
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ tenantId: 'acme', componentAppid: component });
      expect(res.body.entryUrl).toMatch(new RegExp(`/wechat/${component}/authorize/[\\w-]{32}$`));
      expect(res.body.qrSvg).toMatch(/^<svg[^>]*>.*<\/svg>\s*$/s);
      const png = Buffer.from(
        res.body.qrPngDataUrl.replace(/^data:image\/png;base64,/, ''),
        'base64',
      );
      expect(png.subarray(0, 8)).toEqual(
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      );
    });

    it("refuse a return URL off the tenant's allow-list, another tenant, options WeChat refuses", async () => {
      const bad = await acme.post('/v1/authorization-sessions', {
        returnUrl: 'https://evil.example/wechat/',
      });
      expect([bad.status, bad.body.code]).toEqual([400, 'INVALID_RETURN_URL']);
      // A tenant key naming another tenant: as if that tenant did not exist.
      const other = await acme.post('/v1/authorization-sessions', {
        tenantId: 'globex',
        returnUrl: 'https://globex.example/back/x',
      });
      const missing = await acme.post('/v1/authorization-sessions', {
        tenantId: 'nobody',
        returnUrl: `${RETURN}x`,
      });
      expect(other.status).toBe(404);
      expect(withoutRequestId(other.body)).toEqual(withoutRequestId(missing.body));
      const noTenant = await operator.post('/v1/authorization-sessions', {
        returnUrl: `${RETURN}x`,
      });
      expect([noTenant.status, noTenant.body.code]).toEqual([400, 'VALIDATION_FAILED']);
      const badType = await acme.post('/v1/authorization-sessions', {
        authType: 7,
        returnUrl: `${RETURN}x`,
      });
      expect([badType.status, badType.body.code]).toEqual([400, 'VALIDATION_FAILED']);
      const unknownComponent = await acme.post('/v1/authorization-sessions', {
        componentAppid: 'wx0000000000000000',
        returnUrl: `${RETURN}x`,
      });
      expect(unknownComponent.status).toBe(404);
    });
  });

  describe('accounts', () => {
    it('a tenant lists its own accounts only, and the operator all of them', async () => {
      const mine = await acme.get<Page>('/v1/authorizers');
      expect(mine.status).toBe(200);
      expect(mine.body.items.map((a) => a.authorizerAppid).sort()).toEqual(
        [mp.appid, oa.appid].sort(),
      );
      expect(mine.body.total).toBe(2);
      const theirs = await acme.get('/v1/authorizers?tenantId=globex');
      const nobody = await acme.get('/v1/authorizers?tenantId=nobody');
      expect(theirs.status).toBe(404);
      expect(withoutRequestId(theirs.body)).toEqual(withoutRequestId(nobody.body));
      // A search that would match the other tenant's account finds nothing and counts nothing.
      const search = await acme.get<Page>(`/v1/authorizers?q=${rival.appid}`);
      expect([search.body.items.length, search.body.total]).toEqual([0, 0]);
      const all = await operator.get<Page>('/v1/authorizers');
      expect(all.body.items.map((a) => a.authorizerAppid)).toEqual(
        expect.arrayContaining([oa.appid, mp.appid, rival.appid]),
      );
      const globexOnly = await operator.get<Page>('/v1/authorizers?tenantId=globex');
      expect(globexOnly.body.items.map((a) => a.authorizerAppid)).toEqual([rival.appid]);
    });

    it('filters by kind, status, permission set and text, sorts, and pages with a cursor', async () => {
      const ids = async (query: string) =>
        (await acme.get<Page>(`/v1/authorizers?${query}`)).body.items.map((a) => a.authorizerAppid);
      expect(await ids('kind=mini_program')).toEqual([mp.appid]);
      expect(await ids('permissionSetId=15')).toEqual([oa.appid]);
      expect(await ids(`q=${encodeURIComponent(oa.nickName.toUpperCase())}`)).toEqual([oa.appid]);
      expect(await ids('status=revoked,needs_reauth')).toEqual([]);
      const byName = await ids('sort=nickName&order=asc');
      expect(byName).toEqual(
        [oa, mp].sort((a, b) => a.nickName.localeCompare(b.nickName)).map((a) => a.appid),
      );
      const first = await acme.get<Page>('/v1/authorizers?limit=1&sort=nickName&order=asc');
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await acme.get<Page>(
        `/v1/authorizers?limit=1&sort=nickName&order=asc&cursor=${encodeURIComponent(first.body.nextCursor!)}`,
      );
      expect([...first.body.items, ...second.body.items].map((a) => a.authorizerAppid)).toEqual(
        byName,
      );
      expect(second.body.nextCursor).toBeNull();
      for (const bad of [
        'status=deleted',
        'limit=0',
        'limit=201',
        'kind=robot',
        'sort=token',
        'extra=1',
      ]) {
        const res = await acme.get(`/v1/authorizers?${bad}`);
        expect([bad, res.status, res.body.code]).toEqual([bad, 400, 'VALIDATION_FAILED']);
      }
      const cursor = await acme.get('/v1/authorizers?cursor=not-a-cursor');
      expect([cursor.status, cursor.body.code]).toEqual([400, 'INVALID_CURSOR']);
    });

    it('shows one account with named permission sets and token health, never a token', async () => {
      const res = await acme.get<{
        authorizer: Record<string, unknown>;
        tokenHealth: Record<string, unknown>;
      }>(account(oa.appid));
      expect(res.status).toBe(200);
      expect(res.body.authorizer).toMatchObject({
        authorizerAppid: oa.appid,
        tenantId: 'acme',
        status: 'authorized',
        nickName: oa.nickName,
        permissionSets: [
          { id: 1, name: 'Message management' },
          { id: 15, name: 'Custom menu' },
        ],
      });
      expect(res.body.tokenHealth).toMatchObject({
        hasAccessToken: true,
        hasRefreshToken: true,
        failures: 0,
        paused: false,
      });
      expect(res.body.tokenHealth.expiresInSec).toBeGreaterThan(3600);
      const token = await stack.platform
        .get(AuthorizerTokenService)
        .getAuthorizerAccessToken(oa.appid, component);
      expect(JSON.stringify(res.body)).not.toContain(token);
    });

    it('shows its history, refresh log and authorization events', async () => {
      const history = await acme.get<{ items: { action: string; cause: string }[] }>(
        account(oa.appid, '/history'),
      );
      expect(history.status).toBe(200);
      expect(history.body.items.length).toBeGreaterThan(0);
      const log = await acme.get<{ items: unknown[] }>(account(oa.appid, '/refresh-log'));
      expect(log.status).toBe(200);
      expect(Array.isArray(log.body.items)).toBe(true);
      const events = await acme.get<{ items: { infoType: string }[] }>(
        account(oa.appid, '/events'),
      );
      expect(events.status).toBe(200);
      expect(events.body.items.map((e) => e.infoType)).toContain('authorized');
      expect(JSON.stringify(events.body)).not.toMatch(/queryauthcode|AuthorizationCode/i);
    });

    it("answers another tenant's account exactly like one that does not exist, on every route", async () => {
      const unknown = 'wx00000000000000ff';
      for (const [method, rest, body] of [
        ['get', '', undefined],
        ['get', '/history', undefined],
        ['get', '/refresh-log', undefined],
        ['get', '/events', undefined],
        ['post', '/profile-refresh', {}],
        ['post', '/detach', { confirm: rival.appid }],
      ] as const) {
        const call = (appid: string) =>
          method === 'get'
            ? acme.get(account(appid, rest))
            : acme.post(
                account(appid, rest),
                body && 'confirm' in body ? { confirm: appid } : body,
              );
        const theirs = await call(rival.appid);
        const none = await call(unknown);
        expect([rest, theirs.status]).toEqual([rest, 404]);
        expect(withoutRequestId(theirs.body)).toEqual(withoutRequestId(none.body));
      }
      // The rival account was left alone.
      const still = await globex.get<{ authorizer: { status: string } }>(account(rival.appid));
      expect(still.body.authorizer.status).toBe('authorized');
    });

    it("refreshes an account's profile from WeChat on demand", async () => {
      const before = (await stack.sandbox.counters()).calls['api_get_authorizer_info'] ?? 0;
      const res = await acme.post<{ authorizerAppid: string; profileRefreshedAt: string }>(
        account(mp.appid, '/profile-refresh'),
      );
      expect(res.status).toBe(200);
      expect(res.body.authorizerAppid).toBe(mp.appid);
      expect((await stack.sandbox.counters()).calls['api_get_authorizer_info']).toBe(before + 1);
    });

    it('detaches an account only when confirmed: tokens forgotten, refreshing stopped', async () => {
      const unconfirmed = await acme.post(account(mp.appid, '/detach'), {});
      expect([unconfirmed.status, unconfirmed.body.code]).toEqual([400, 'VALIDATION_FAILED']);
      const wrong = await acme.post(account(mp.appid, '/detach'), { confirm: oa.appid });
      expect([wrong.status, wrong.body.code]).toEqual([400, 'CONFIRMATION_REQUIRED']);
      const res = await acme.post<{ status: string }>(account(mp.appid, '/detach'), {
        confirm: mp.appid,
      });
      expect([res.status, res.body.status]).toEqual([200, 'detached']);
      const after = await acme.get<{ tokenHealth: Record<string, unknown> | null }>(
        account(mp.appid),
      );
      expect(after.body.tokenHealth).toMatchObject({
        hasAccessToken: false,
        hasRefreshToken: false,
        paused: true,
      });
      const listed = await acme.get<Page>('/v1/authorizers?status=detached');
      expect(listed.body.items.map((a) => a.authorizerAppid)).toEqual([mp.appid]);
    });
  });
});
