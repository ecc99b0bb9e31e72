import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthorizerService } from '@app/wechat-open';
import { newAccount } from '../support/accounts.js';
import { ApiClient, apiClient, tenantWithKey } from '../support/admin-api.js';
import { confirm, followEntry, get, openWechatPage } from '../support/browser.js';
import { startStack, TestStack } from '../support/stack.js';

describe('authorization sessions of the admin API: biz_appid and category_id_list', () => {
  let stack: TestStack;
  let acme: ApiClient;
  const RETURN = 'https://dash.acme.example/wechat/';
  const oa = newAccount('official_account');
  const other = newAccount('official_account');

  beforeAll(async () => {
    stack = await startStack({ platform: { schedulers: false } });
    acme = apiClient(
      stack.platform,
      await tenantWithKey(stack.platform, 'acme', { returnUrlPrefixes: [RETURN] }),
    );
    for (const a of [oa, other]) await stack.sandbox.addAccount(a);
  });
  afterAll(() => stack.close());

  it("carry bizAppid and categoryIdList to WeChat's page, which offers only that account and those sets", async () => {
    const s = await acme.post<{ entryUrl: string }>('/v1/authorization-sessions', {
      authType: 1,
      bizAppid: oa.appid,
      categoryIdList: [1, 15],
      returnUrl: `${RETURN}done`,
    });
    expect(s.status).toBe(201);
    // The entry link is the platform's own page; the options go on WeChat's link it moves to.
    const wechatUrl = await followEntry(s.body.entryUrl);
    const url = new URL(wechatUrl);
    expect(url.pathname).toBe('/cgi-bin/componentloginpage');
    expect(url.searchParams.get('auth_type')).toBe('1');
    expect(url.searchParams.get('biz_appid')).toBe(oa.appid);
    expect(url.searchParams.get('category_id_list')).toBe('1|15');
    // `|` is percent-encoded in the link, as the protocol's URL builders do.
    expect(wechatUrl).toContain('&category_id_list=1%7C15');

    const page = await get(wechatUrl, { referer: s.body.entryUrl });
    expect(page.status).toBe(200);
    expect(page.body).toContain(`data-appid="${oa.appid}"`);
    expect(page.body).not.toContain(`data-appid="${other.appid}"`);
    const form = await openWechatPage(wechatUrl, s.body.entryUrl, oa.appid);
    expect(form.funcInfo).toEqual(['1', '15']);

    const landing = await get(await confirm(form, ['15']));
    expect(landing.status).toBe(302);
    const back = new URL(landing.location ?? 'about:blank');
    expect(Object.fromEntries(back.searchParams)).toEqual({
      status: 'authorized',
      authorizer_appid: oa.appid,
    });
    const record = await stack.platform.get(AuthorizerService).get(stack.component.appid, oa.appid);
    expect(record).toMatchObject({ tenantId: 'acme', funcInfo: [15] });
  });

  it('leave both out of the link when not given', async () => {
    const s = await acme.post<{ entryUrl: string }>('/v1/authorization-sessions', {
      returnUrl: `${RETURN}done`,
    });
    expect(s.status).toBe(201);
    const url = new URL(await followEntry(s.body.entryUrl));
    expect(url.searchParams.has('biz_appid')).toBe(false);
    expect(url.searchParams.has('category_id_list')).toBe(false);
  });

  it('refuse a bizAppid that is not an appid and a categoryIdList that is not positive integers', async () => {
    const cases: Record<string, unknown>[] = [
      { bizAppid: 'not an appid' },
      { bizAppid: 42 },
      { categoryIdList: [0] },
      { categoryIdList: [1.5] },
      { categoryIdList: ['1'] },
      { categoryIdList: '1|2' },
      { categoryIdList: Array.from({ length: 101 }, (_, i) => i + 1) },
    ];
    for (const options of cases) {
      const r = await acme.post('/v1/authorization-sessions', {
        ...options,
        returnUrl: `${RETURN}done`,
      });
      expect(r.status, JSON.stringify(options)).toBe(400);
      expect(r.body, JSON.stringify(options)).toMatchObject({ code: 'VALIDATION_FAILED' });
    }
  });
});
