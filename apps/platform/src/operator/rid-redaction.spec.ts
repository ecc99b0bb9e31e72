import { describe, expect, it } from 'vitest';
import { redactBody, redactQuery } from './rid-redaction.js';

describe('rid redaction', () => {
  it('withholds tokens in the query and keeps the rest', () => {
    expect(redactQuery('access_token=abc&type=jsapi')).toBe('access_token=***&type=jsapi');
    expect(redactQuery('?component_access_token=x')).toBe('component_access_token=***');
    expect(redactQuery('')).toBe('');
  });

  it('withholds secrets, tickets and codes in JSON, not errcode', () => {
    const body = JSON.stringify({
      component_appid: 'wx1',
      appsecret: 's',
      component_verify_ticket: 't',
      authorization_code: 'c',
      nested: { authorizer_refresh_token: 'r' },
      errcode: 40013,
    });
    expect(JSON.parse(redactBody(body))).toEqual({
      component_appid: 'wx1',
      appsecret: '***',
      component_verify_ticket: '***',
      authorization_code: '***',
      nested: { authorizer_refresh_token: '***' },
      errcode: 40013,
    });
  });

  it('withholds a body that is not JSON', () => {
    expect(redactBody('<xml>secret</xml>')).toBe('(17 characters, not JSON: withheld)');
    expect(redactBody('')).toBe('');
  });
});
