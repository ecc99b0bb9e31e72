import { describe, expect, it } from 'vitest';
import { buildAuthorizationLink } from './authorization-link.js';

const base = {
  componentAppid: 'wx134c8103faa5a59e',
  preAuthCode: 'preauthcode@@@AbC-1_2',
  redirectUri: 'https://auth.example.com/wechat/wx134c8103faa5a59e/authorized?session=s1&x=a b',
};

describe('buildAuthorizationLink', () => {
  it('builds the PC page link with every parameter encoded as WeChat expects', () => {
    expect(buildAuthorizationLink({ ...base, kind: 'pc', authType: 3 })).toBe(
      'https://mp.weixin.qq.com/cgi-bin/componentloginpage?component_appid=wx134c8103faa5a59e' +
        '&pre_auth_code=preauthcode%40%40%40AbC-1_2' +
        '&redirect_uri=https%3A%2F%2Fauth.example.com%2Fwechat%2Fwx134c8103faa5a59e%2Fauthorized%3Fsession%3Ds1%26x%3Da%20b' +
        '&auth_type=3',
    );
  });

  it('adds biz_appid and category_id_list with | separators (encoded)', () => {
    const url = buildAuthorizationLink({
      ...base,
      kind: 'pc',
      authType: 1,
      bizAppid: 'wxabc',
      categoryIdList: [1, 2, 3],
    });
    expect(url.endsWith('&auth_type=1&biz_appid=wxabc&category_id_list=1%7C2%7C3')).toBe(true);
    expect(new URL(url).searchParams.get('category_id_list')).toBe('1|2|3');
  });

  it('builds the mobile page link on open.weixin.qq.com with #wechat_redirect', () => {
    const url = buildAuthorizationLink({ ...base, kind: 'mobile', authType: 2, bizAppid: 'wxabc' });
    expect(url).toBe(
      'https://open.weixin.qq.com/wxaopen/safe/bindcomponent?action=bindcomponent&no_scan=1' +
        '&component_appid=wx134c8103faa5a59e&pre_auth_code=preauthcode%40%40%40AbC-1_2' +
        '&redirect_uri=https%3A%2F%2Fauth.example.com%2Fwechat%2Fwx134c8103faa5a59e%2Fauthorized%3Fsession%3Ds1%26x%3Da%20b' +
        '&auth_type=2&biz_appid=wxabc#wechat_redirect',
    );
  });

  it('decodes back to the exact redirect_uri', () => {
    const url = new URL(buildAuthorizationLink({ ...base, kind: 'mobile', authType: 6 }));
    expect(url.searchParams.get('redirect_uri')).toBe(base.redirectUri);
    expect(url.hash).toBe('#wechat_redirect');
  });

  it('uses the configured hosts (the sandbox)', () => {
    expect(
      buildAuthorizationLink({
        ...base,
        kind: 'pc',
        authType: 1,
        mpBaseUrl: 'http://127.0.0.1:8081/',
      }).startsWith('http://127.0.0.1:8081/cgi-bin/componentloginpage?'),
    ).toBe(true);
  });
});
