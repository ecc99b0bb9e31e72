import { describe, expect, it } from 'vitest';
import { validateEnvironment } from './environment.js';
import { toPlatformConfig } from './platform-config.js';

describe('validateEnvironment', () => {
  it('applies every default to an empty environment', () => {
    const env = validateEnvironment({});
    expect(env).toMatchObject({
      PORT: 3000,
      HOST: '127.0.0.1',
      EMBEDDED_PG_DIR: './.data/pg',
      SKIP_MIGRATIONS: false,
      TENANT_CONFLICT_POLICY: 'refuse',
    });
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it('parses numbers and booleans', () => {
    const env = validateEnvironment({ PORT: '8080', SKIP_MIGRATIONS: 'true', DB_POOL_SIZE: '20' });
    expect(env).toMatchObject({ PORT: 8080, SKIP_MIGRATIONS: true, DB_POOL_SIZE: 20 });
  });

  it('reads the ops settings: off by default, thresholds with their defaults, a short OPS_TOKEN refused', () => {
    const config = toPlatformConfig(validateEnvironment({}), () => undefined);
    expect(config.ops).toEqual({
      port: undefined,
      token: undefined,
      ticketWarnAfterSec: 1800,
      ticketFailAfterSec: 39_600,
      backlogWarnAfterSec: 300,
      backlogFailAfterSec: 1200,
    });
    const set = validateEnvironment({
      OPS_PORT: '9464',
      OPS_TOKEN: 'a-long-enough-ops-token',
      HEALTH_TICKET_FAIL_SEC: '3600',
    });
    expect(set).toMatchObject({ OPS_PORT: 9464, HEALTH_TICKET_FAIL_SEC: 3600 });
    expect(() => validateEnvironment({ OPS_TOKEN: 'short' })).toThrow(/OPS_TOKEN/);
  });

  it('lists every offending key in one message', () => {
    let message = '';
    try {
      validateEnvironment({
        PORT: 'eighty',
        DATABASE_URL: 'mysql://x',
        LOG_LEVEL: 'loud',
        DATA_ENCRYPTION_KEYS: 'nope',
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^invalid configuration \(4 key\(s\)\):/);
    for (const key of ['PORT', 'DATABASE_URL', 'LOG_LEVEL', 'DATA_ENCRYPTION_KEYS'])
      expect(message).toContain(`  ${key}:`);
  });
});

describe('toPlatformConfig', () => {
  const warn = () => undefined;

  it('runs the demo component against the sandbox when WeChat is not configured', () => {
    const config = toPlatformConfig(
      validateEnvironment({ DATA_ENCRYPTION_KEYS: `k:${Buffer.alloc(32).toString('base64')}` }),
      warn,
    );
    expect(config.wechat).toBeUndefined();
    expect(config.components.map((c) => c.appid)).toEqual(['wx00000000demo0001']);
  });

  it('requires WECHAT_COMPONENTS with a real WeChat, and checks each component', () => {
    const base = {
      WECHAT_API_BASE_URL: 'https://api.weixin.qq.com',
      DATA_ENCRYPTION_KEYS: `k:${Buffer.alloc(32).toString('base64')}`,
    };
    expect(() => toPlatformConfig(validateEnvironment(base), warn)).toThrow(
      /WECHAT_COMPONENTS: required/,
    );
    const bad = JSON.stringify([
      { appid: 'wx1', secret: 's', token: 't', encodingAesKey: 'short' },
    ]);
    expect(() =>
      toPlatformConfig(validateEnvironment({ ...base, WECHAT_COMPONENTS: bad }), warn),
    ).toThrow(/43 characters/);
    const good = JSON.stringify([
      { appid: 'wx1', secret: 's', token: 't', encodingAesKey: 'a'.repeat(43) },
    ]);
    expect(
      toPlatformConfig(validateEnvironment({ ...base, WECHAT_COMPONENTS: good }), warn).wechat
        ?.apiBaseUrl,
    ).toBe('https://api.weixin.qq.com');
  });

  it('refuses a return-URL allow-list that is not {tenant: [urls]}', () => {
    expect(() =>
      toPlatformConfig(
        validateEnvironment({
          TENANT_RETURN_URLS: '{"t": "https://x/"}',
          DATA_ENCRYPTION_KEYS: `k:${Buffer.alloc(32).toString('base64')}`,
        }),
        warn,
      ),
    ).toThrow(/TENANT_RETURN_URLS/);
  });
});

describe('the first run settings', () => {
  const key = `k:${Buffer.alloc(32).toString('base64')}`;

  it('reads LOG_FORMAT (auto by default) and refuses other values', () => {
    expect(validateEnvironment({}).LOG_FORMAT).toBe('auto');
    expect(validateEnvironment({ LOG_FORMAT: 'pretty' }).LOG_FORMAT).toBe('pretty');
    expect(() => validateEnvironment({ LOG_FORMAT: 'yaml' })).toThrow(/LOG_FORMAT/);
  });

  it('serves the console by default; CONSOLE_ENABLED=false and CONSOLE_DIR are taken', () => {
    const on = toPlatformConfig(validateEnvironment({ DATA_ENCRYPTION_KEYS: key }), () => {});
    expect(on.console).toEqual({ enabled: true, dir: undefined });
    const off = toPlatformConfig(
      validateEnvironment({
        DATA_ENCRYPTION_KEYS: key,
        CONSOLE_ENABLED: 'false',
        CONSOLE_DIR: '/srv/console',
      }),
      () => {},
    );
    expect(off.console).toEqual({ enabled: false, dir: '/srv/console' });
  });

  it('notes the development key as info in the sandbox run, warns against real WeChat', () => {
    const heard: string[] = [];
    const listen = (level: string) => (m: string) => heard.push(`${level}: ${m.split(':')[0]}`);
    toPlatformConfig(validateEnvironment({}), listen('warn'), listen('info'));
    expect(heard).toEqual(['info: DATA_ENCRYPTION_KEYS is not set']);
    heard.length = 0;
    const component = { appid: 'wx1', secret: 's', token: 't', encodingAesKey: 'a'.repeat(43) };
    toPlatformConfig(
      validateEnvironment({
        WECHAT_API_BASE_URL: 'https://api.weixin.qq.com',
        WECHAT_COMPONENTS: JSON.stringify([component]),
      }),
      listen('warn'),
      listen('info'),
    );
    expect(heard).toEqual(['warn: DATA_ENCRYPTION_KEYS is not set']);
  });
});
