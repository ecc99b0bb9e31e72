import { describe, expect, it } from 'vitest';
import { ApiError } from '../common/api-error.js';
import { checkCallRequest } from './call-request.js';

const codeOf = (input: Parameters<typeof checkCallRequest>[0]): string | null => {
  try {
    checkCallRequest(input);
    return null;
  } catch (error) {
    return error instanceof ApiError ? error.code : 'OTHER';
  }
};

describe('checkCallRequest', () => {
  it('accepts account-level paths of the allowed families', () => {
    for (const path of [
      '/cgi-bin/user/info',
      '/cgi-bin/message/custom/send',
      '/wxa/getwxacodeunlimit',
      '/datacube/getusersummary',
      '/sns/jscode2session',
      '/cgi-bin/media/get.jssdk',
    ])
      expect(codeOf({ method: 'POST', path }), path).toBeNull();
  });

  it('refuses anything else with CALL_PATH_NOT_ALLOWED', () => {
    for (const path of [
      '',
      'cgi-bin/user/info',
      '//api.weixin.qq.com/cgi-bin/user/info',
      'http://api.weixin.qq.com/cgi-bin/user/info',
      '/cgi-bin/../x/y',
      '/cgi-bin/%2e%2e/x',
      '/cgi-bin/user/info?x=1',
      '/cgi-bin/user//info',
      '/cgi-bin/user/info/',
      '/cgi-bin/user\\info',
      '/unknown/x',
      '/cgi-bin',
      '/cgi-bin/component/api_authorizer_token',
      '/wxa/component/x',
      '/sns/oauth2/component/access_token',
      '/cgi-bin/token',
      '/cgi-bin/stable_token',
      '/cgi-bin/ticket/getticket',
    ])
      expect(codeOf({ method: 'GET', path }), path).toBe('CALL_PATH_NOT_ALLOWED');
  });

  it('refuses tokens and odd values in the query, and bodies on GET', () => {
    const path = '/cgi-bin/user/info';
    for (const query of [
      { access_token: 'x' },
      { ACCESS_TOKEN: 'x' },
      { component_access_token: 'x' },
      { openid: 1 },
      { 'o id': 'x' },
      { openid: 'x'.repeat(3000) },
    ])
      expect(codeOf({ method: 'GET', path, query }), JSON.stringify(query)).toBe(
        'CALL_QUERY_NOT_ALLOWED',
      );
    expect(codeOf({ method: 'GET', path, body: {} })).toBe('CALL_BODY_NOT_ALLOWED');
  });

  it('keeps a parameter named __proto__ a parameter', () => {
    const query = JSON.parse('{"__proto__":"x","openid":"o"}') as Record<string, unknown>;
    const checked = checkCallRequest({ method: 'GET', path: '/cgi-bin/user/info', query });
    expect(Object.getPrototypeOf(checked.query)).toBe(Object.prototype);
    expect(Object.keys(checked.query).sort()).toEqual(['__proto__', 'openid']);
  });
});
