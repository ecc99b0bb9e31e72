import { describe, expect, it } from 'vitest';
import { validateEnvironment } from '../config/environment.js';
import { toPlatformConfig } from '../config/platform-config.js';
import { normalizeIp } from './callback-ip.service.js';

const config = (env: Record<string, string>) =>
  toPlatformConfig(validateEnvironment(env), () => undefined);

describe('TRUST_PROXY and CALLBACK_IP_CHECK', () => {
  it('trust no proxy and check nothing by default', () => {
    expect(config({})).toMatchObject({ trustProxy: false, callbackIpCheck: false });
  });

  it('take the proxies as Fastify does, and the check with them', () => {
    expect(
      config({ TRUST_PROXY: '127.0.0.1,10.0.0.0/8', CALLBACK_IP_CHECK: 'true' }),
    ).toMatchObject({ trustProxy: '127.0.0.1,10.0.0.0/8', callbackIpCheck: true });
  });

  it('refuse the check without a trusted proxy, and a TRUST_PROXY that is not addresses', () => {
    expect(() => config({ CALLBACK_IP_CHECK: 'true' })).toThrow(
      /CALLBACK_IP_CHECK: needs TRUST_PROXY/,
    );
    expect(() => validateEnvironment({ TRUST_PROXY: 'true; rm -rf' })).toThrow(/TRUST_PROXY/);
  });
});

describe('normalizeIp', () => {
  it('reads an IPv4 address on an IPv6 socket as IPv4, and leaves others be', () => {
    expect(normalizeIp('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(normalizeIp('203.0.113.7')).toBe('203.0.113.7');
    expect(normalizeIp('::1')).toBe('::1');
  });
});
