import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { COMPONENT, MP, OA, PushReceiver, SandboxClient, sleep } from './sandbox-helpers.js';

const AUTH_DOMAIN = 'platform.example.com';
const REFERER = `https://${AUTH_DOMAIN}/admin/authorize`;
const REDIRECT = `https://${AUTH_DOMAIN}/wechat/landing?tenant=t1`;

interface FormField {
  name: string;
  value: string;
  checked: boolean;
}

/** The confirm form of one account on the page, as a browser would read it. */
function formOf(html: string, appid: string): { action: string; fields: FormField[] } {
  const match = new RegExp(
    `<form method="post" action="([^"]+)" data-appid="${appid}">([\\s\\S]*?)</form>`,
  ).exec(html);
  if (!match) throw new Error(`no form for ${appid}`);
  const fields = [
    ...match[2].matchAll(
      /<input type="(hidden|checkbox)" name="([^"]+)" value="([^"]*)"( checked)?>/g,
    ),
  ].map((m) => ({
    name: m[2],
    value: m[3].replace(/&amp;/g, '&').replace(/&quot;/g, '"'),
    checked: m[1] === 'hidden' || m[4] !== undefined,
  }));
  return { action: match[1], fields };
}

describe('sandbox authorization pages', () => {
  let sandbox: SandboxClient;
  let receiver: PushReceiver;
  let cat: string;

  beforeAll(async () => {
    receiver = await PushReceiver.start();
    sandbox = await SandboxClient.start({
      components: [{ ...COMPONENT, eventUrl: `${receiver.url}/events`, authDomain: AUTH_DOMAIN }],
      accounts: [
        OA,
        MP,
        {
          appid: 'wxfrozen0000000001',
          userName: 'gh_frozen',
          nickName: 'Frozen',
          kind: 'official_account',
          principalName: 'Frozen Ltd',
          accountStatus: 19,
        },
      ],
    });
  });
  afterAll(async () => {
    await sandbox.close();
    await receiver.close();
  });
  beforeEach(async () => {
    await sandbox.ok('POST', '/reset');
    cat = await sandbox.componentToken();
  });

  const preAuthCode = async (): Promise<string> =>
    // eslint-disable-next-line @typescript-eslint/no-unsafe-return
    (
      await sandbox.api(
        '/cgi-bin/component/api_create_preauthcode',
        { component_appid: COMPONENT.appid },
        { component_access_token: cat },
      )
    ).pre_auth_code;

  const linkFor = (path: string, params: Record<string, string>) => {
    const url = new URL(path, sandbox.url);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return url;
  };

  const open = (url: URL, referer?: string) =>
    fetch(url, { headers: referer ? { referer } : {}, redirect: 'manual' });

  const confirm = (form: { action: string; fields: FormField[] }, funcs?: string[]) => {
    const body = new URLSearchParams();
    for (const f of form.fields) {
      if (f.name === 'func_info') {
        if (funcs ? funcs.includes(f.value) : f.checked) body.append(f.name, f.value);
      } else body.append(f.name, f.value);
    }
    return fetch(new URL(form.action, sandbox.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', referer: sandbox.url },
      body,
      redirect: 'manual',
    });
  };

  for (const path of ['/cgi-bin/componentloginpage', '/wxaopen/safe/bindcomponent']) {
    describe(path, () => {
      it('refuses a missing Referer and a Referer off the authorization domain (403)', async () => {
        const url = linkFor(path, {
          component_appid: COMPONENT.appid,
          pre_auth_code: await preAuthCode(),
          redirect_uri: REDIRECT,
          auth_type: '3',
        });
        const none = await open(url);
        expect(none.status).toBe(403);
        expect(none.headers.get('content-type')).toMatch(/text\/html/);
        expect(await none.text()).toMatch(/Referer/);
        expect((await open(url, 'https://evil.example.org/page')).status).toBe(403);
        expect((await open(url, 'not a url')).status).toBe(403);
        expect((await open(url, REFERER)).status).toBe(200);
        expect((await open(url, `http://${AUTH_DOMAIN}:8443/x`)).status).toBe(200);
      });

      it('runs the whole flow: page, confirm, 302 with auth_code, authorized push, exchange', async () => {
        const code = await preAuthCode();
        const page = await open(
          linkFor(path, {
            action: 'bindcomponent',
            no_scan: '1',
            component_appid: COMPONENT.appid,
            pre_auth_code: code,
            redirect_uri: REDIRECT,
            auth_type: '3',
          }),
          REFERER,
        );
        expect(page.status).toBe(200);
        const html = await page.text();
        expect(html).toContain(`data-appid="${OA.appid}"`);
        expect(html).toContain(`data-appid="${MP.appid}"`);
        expect(html).not.toContain('wxfrozen0000000001');

        const before = receiver.pushes.length;
        const answer = await confirm(formOf(html, OA.appid));
        expect(answer.status).toBe(302);
        const location = new URL(answer.headers.get('location')!);
        expect(location.origin + location.pathname).toBe(`https://${AUTH_DOMAIN}/wechat/landing`);
        expect(location.searchParams.get('tenant')).toBe('t1');
        const authCode = location.searchParams.get('auth_code')!;
        expect(authCode).toMatch(/^queryauthcode@@@/);
        expect(location.searchParams.get('expires_in')).toBe('600');

        // before_redirect (the default): the push was delivered before the 302.
        const push = receiver.pushes.slice(before).find((p) => p.fields.InfoType === 'authorized');
        expect(push?.fields).toMatchObject({
          AppId: COMPONENT.appid,
          AuthorizerAppid: OA.appid,
          AuthorizationCode: authCode,
          PreAuthCode: code,
        });
        const expiredTime = Number(push!.fields.AuthorizationCodeExpiredTime);
        expect(expiredTime - Number(push!.fields.CreateTime)).toBe(600);

        const exchanged = await sandbox.api(
          '/cgi-bin/component/api_query_auth',
          { component_appid: COMPONENT.appid, authorization_code: authCode },
          { component_access_token: cat },
        );
        expect(exchanged.authorization_info.authorizer_appid).toBe(OA.appid);

        // The pre_auth_code is spent: the page and the confirm refuse it now.
        const again = await open(
          linkFor(path, {
            component_appid: COMPONENT.appid,
            pre_auth_code: code,
            redirect_uri: REDIRECT,
            auth_type: '3',
          }),
          REFERER,
        );
        expect(again.status).toBe(400);
        expect(await again.text()).toMatch(/61009/);
        expect((await confirm(formOf(html, MP.appid))).status).toBe(400);
      });
    });
  }

  it('validates parameters and the pre_auth_code', async () => {
    const base = {
      component_appid: COMPONENT.appid,
      pre_auth_code: await preAuthCode(),
      redirect_uri: REDIRECT,
      auth_type: '1',
    };
    const status = async (params: Record<string, string>) =>
      (await open(linkFor('/cgi-bin/componentloginpage', params), REFERER)).status;
    expect(await status(base)).toBe(200);
    expect(await status({ ...base, component_appid: 'wxunknown' })).toBe(400);
    expect(await status({ ...base, pre_auth_code: 'preauthcode@@@nope' })).toBe(400);
    expect(await status({ ...base, redirect_uri: 'not-a-url' })).toBe(400);
    expect(await status({ ...base, redirect_uri: 'https://elsewhere.example.org/cb' })).toBe(403);
    expect(await status({ ...base, auth_type: '7' })).toBe(400);
    expect(await status({ ...base, category_id_list: '1|x' })).toBe(400);
    expect(await status({ ...base, biz_appid: 'wxnobody' })).toBe(400);

    await sandbox.ok('PUT', '/settings', { preAuthCodeTtlSec: 1 });
    const shortLived = await preAuthCode();
    await sandbox.ok('POST', '/clock/advance', { seconds: 2 });
    const expired = await open(
      linkFor('/cgi-bin/componentloginpage', { ...base, pre_auth_code: shortLived }),
      REFERER,
    );
    expect(expired.status).toBe(400);
    expect(await expired.text()).toMatch(/61010/);
  });

  it('lists accounts by auth_type and biz_appid, and offers the category_id_list sets', async () => {
    const html = async (params: Record<string, string>) =>
      (
        await open(
          linkFor('/cgi-bin/componentloginpage', {
            component_appid: COMPONENT.appid,
            pre_auth_code: await preAuthCode(),
            redirect_uri: REDIRECT,
            ...params,
          }),
          REFERER,
        )
      ).text();
    const oaOnly = await html({ auth_type: '1' });
    expect(oaOnly).toContain(`data-appid="${OA.appid}"`);
    expect(oaOnly).not.toContain(`data-appid="${MP.appid}"`);
    const mpOnly = await html({ auth_type: '2' });
    expect(mpOnly).not.toContain(`data-appid="${OA.appid}"`);
    expect(mpOnly).toContain(`data-appid="${MP.appid}"`);
    expect(await html({ auth_type: '5' })).toContain('id="no-accounts"');
    // biz_appid wins over auth_type.
    const biz = await html({ auth_type: '1', biz_appid: MP.appid });
    expect(biz).toContain(`data-appid="${MP.appid}"`);
    expect(biz).not.toContain(`data-appid="${OA.appid}"`);

    const restricted = formOf(await html({ auth_type: '1', category_id_list: '1|15' }), OA.appid);
    expect(restricted.fields.filter((f) => f.name === 'func_info').map((f) => f.value)).toEqual([
      '1',
      '15',
    ]);
    const answer = await confirm(restricted, ['15']);
    expect(answer.status).toBe(302);
    const authCode = new URL(answer.headers.get('location')!).searchParams.get('auth_code')!;
    const exchanged = await sandbox.api(
      '/cgi-bin/component/api_query_auth',
      { component_appid: COMPONENT.appid, authorization_code: authCode },
      { component_access_token: cat },
    );
    expect(exchanged.authorization_info.func_info).toEqual([{ funcscope_category: { id: 15 } }]);

    // A set the link did not offer is refused; so is an empty choice.
    const other = formOf(await html({ auth_type: '1', category_id_list: '1' }), OA.appid);
    const forged = {
      ...other,
      fields: [...other.fields, { name: 'func_info', value: '7', checked: true }],
    };
    expect((await confirm(forged)).status).toBe(400);
    expect((await confirm(other, [])).status).toBe(400);
  });

  it('sends updateauthorized when an authorized account changes its sets, nothing when unchanged', async () => {
    const authorize = async (funcs: string[]) => {
      const html = await (
        await open(
          linkFor('/cgi-bin/componentloginpage', {
            component_appid: COMPONENT.appid,
            pre_auth_code: await preAuthCode(),
            redirect_uri: REDIRECT,
            auth_type: '1',
          }),
          REFERER,
        )
      ).text();
      const before = receiver.pushes.length;
      const answer = await confirm(formOf(html, OA.appid), funcs);
      expect(answer.status).toBe(302);
      return receiver.pushes.slice(before).map((p) => p.fields.InfoType);
    };
    expect(await authorize(['1', '2'])).toEqual(['authorized']);
    expect(await authorize(['1', '2', '3'])).toEqual(['updateauthorized']);
    expect(await authorize(['1', '2', '3'])).toEqual([]);
  });

  it('pushes after the redirect, or not at all, as authorizedPushTiming says', async () => {
    await sandbox.ok('PUT', '/settings', { authorizedPushTiming: 'after_redirect' });
    const before = receiver.pushes.length;
    const result = await sandbox.ok(
      'POST',
      `/components/${COMPONENT.appid}/accounts/${OA.appid}/authorize`,
      {},
    );
    expect(result).toMatchObject({ pushed: false, pushScheduled: true, infoType: 'authorized' });
    expect(receiver.pushes.length).toBe(before);
    const push = await receiver.waitFor(
      (p) => p.fields.InfoType === 'authorized' && p.fields.AuthorizationCode === result.authCode,
    );
    expect(push.fields.AuthorizerAppid).toBe(OA.appid);

    await sandbox.ok('PUT', '/settings', { authorizedPushTiming: 'none' });
    const silent = await sandbox.ok(
      'POST',
      `/components/${COMPONENT.appid}/accounts/${MP.appid}/authorize`,
      {},
    );
    expect(silent).toMatchObject({ pushed: false, pushScheduled: false });
    await sleep(300);
    expect(receiver.pushes.some((p) => p.fields.AuthorizationCode === silent.authCode)).toBe(false);
  });

  it('accepts any Referer host when the component has no authDomain (but still requires one)', async () => {
    await sandbox.ok('POST', '/components', { ...COMPONENT, eventUrl: `${receiver.url}/events` });
    try {
      const url = linkFor('/cgi-bin/componentloginpage', {
        component_appid: COMPONENT.appid,
        pre_auth_code: await preAuthCode(),
        redirect_uri: 'http://anywhere.example.net/cb',
        auth_type: '3',
      });
      expect((await open(url, 'http://anywhere.example.net/start')).status).toBe(200);
      expect((await open(url)).status).toBe(403);
    } finally {
      await sandbox.ok('POST', '/components', {
        ...COMPONENT,
        eventUrl: `${receiver.url}/events`,
        authDomain: AUTH_DOMAIN,
      });
    }
  });
});
