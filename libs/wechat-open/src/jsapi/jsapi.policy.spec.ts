import { describe, expect, it } from 'vitest';
import vectors from '../../../../test/fixtures/test-vectors.json' with { type: 'json' };
import {
  allowedHostsFor,
  buildJsSdkConfig,
  isTicketDue,
  pageHost,
  randomNonce,
  refreshMarginMs,
  ticketRetryDelayMs,
} from './jsapi.policy.js';

describe('wx.config', () => {
  const v = vectors.jssdk[0];

  it('signs the official example with a fixed time and nonce, for the authorizer appid', () => {
    const config = buildJsSdkConfig({
      appId: 'wxauthorizer0001',
      ticket: v.jsapi_ticket,
      url: `${v.url}#/somewhere`,
      timestamp: Number(v.timestamp),
      nonceStr: v.noncestr,
      jsApiList: ['updateAppMessageShareData'],
    });
    expect(config).toEqual({
      appId: 'wxauthorizer0001',
      timestamp: Number(v.timestamp),
      nonceStr: v.noncestr,
      signature: v.signature,
      jsApiList: ['updateAppMessageShareData'],
    });
  });

  it('makes fresh alphanumeric nonces', () => {
    const a = randomNonce();
    expect(a).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(randomNonce()).not.toBe(a);
  });
});

describe('refresh margin', () => {
  it('uses the configured margin for real lifetimes', () => {
    expect(refreshMarginMs(7200_000, 600)).toBe(600_000);
    expect(isTicketDue(0, 7200_000, 7200_000, 600)).toBe(false);
    expect(isTicketDue(6600_000, 7200_000, 7200_000, 600)).toBe(true);
  });

  it('scales down to a quarter of short lifetimes', () => {
    expect(refreshMarginMs(4000, 600)).toBe(1000);
    expect(isTicketDue(2999, 4000, 4000, 600)).toBe(false);
    expect(isTicketDue(3000, 4000, 4000, 600)).toBe(true);
  });
});

describe('getticket backoff', () => {
  it('waits 60 s after a failure, doubling up to 10 min', () => {
    expect([1, 2, 3, 4, 5, 6, 20].map((n) => ticketRetryDelayMs(n, null) / 1000)).toEqual([
      60, 120, 240, 480, 600, 600, 600,
    ]);
    expect(ticketRetryDelayMs(1, -1)).toBe(60_000);
  });

  it('pauses an hour after 45009, whatever came before', () => {
    expect(ticketRetryDelayMs(1, 45009)).toBe(3_600_000);
    expect(ticketRetryDelayMs(9, 45009)).toBe(3_600_000);
  });
});

describe('allowed domains', () => {
  it('prefers the account entry over *, and is unlimited when neither is set', () => {
    const domains = { '*': ['Pages.example.com'], wxa: ['a.example.com'] };
    expect(allowedHostsFor(domains, 'wxa')).toEqual(['a.example.com']);
    expect(allowedHostsFor(domains, 'wxb')).toEqual(['pages.example.com']);
    expect(allowedHostsFor({ wxa: ['a.example.com'] }, 'wxb')).toBeNull();
  });

  it('reads the hostname of absolute http(s) URLs only', () => {
    expect(pageHost('https://A.Example.com:8443/p?q=1#x')).toBe('a.example.com');
    expect(pageHost('/relative')).toBeNull();
    expect(pageHost('javascript:alert(1)')).toBeNull();
  });
});
