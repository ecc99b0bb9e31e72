import { describe, expect, it } from 'vitest';
import { validateEnvironment } from '../config/environment.js';
import { FORWARDING_DEFAULTS, toPlatformConfig } from '../config/platform-config.js';

const KEYS = 'k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
const REAL_WECHAT = {
  WECHAT_API_BASE_URL: 'https://api.weixin.qq.com',
  WECHAT_COMPONENTS: JSON.stringify([
    { appid: 'wx1234567890abcdef', secret: 's', token: 't', encodingAesKey: 'a'.repeat(43) },
  ]),
  DATA_ENCRYPTION_KEYS: KEYS,
};

describe('forwarding settings (WEBHOOK_*)', () => {
  it('defaults to the documented values, private networks refused against real WeChat', () => {
    const config = toPlatformConfig(validateEnvironment(REAL_WECHAT), () => undefined);
    expect(config.forwarding).toEqual(FORWARDING_DEFAULTS);
    expect(FORWARDING_DEFAULTS).toEqual({
      timeoutMs: 10_000,
      maxAttempts: 12,
      backoffBaseMs: 10_000,
      backoffMaxMs: 3_600_000,
      concurrency: 16,
      pollIntervalMs: 1000,
      retentionDays: 30,
      allowPrivateNetworks: false,
    });
  });

  it('allows private networks by default only while the sandbox stands in for WeChat', () => {
    const sandboxed = toPlatformConfig(
      validateEnvironment({ DATA_ENCRYPTION_KEYS: KEYS }),
      () => undefined,
    );
    expect(sandboxed.forwarding?.allowPrivateNetworks).toBe(true);
    const refused = toPlatformConfig(
      validateEnvironment({ DATA_ENCRYPTION_KEYS: KEYS, WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false' }),
      () => undefined,
    );
    expect(refused.forwarding?.allowPrivateNetworks).toBe(false);
  });

  it('reads every variable and refuses bad values', () => {
    const env = validateEnvironment({
      ...REAL_WECHAT,
      WEBHOOK_TIMEOUT_MS: '2500',
      WEBHOOK_MAX_ATTEMPTS: '5',
      WEBHOOK_BACKOFF_BASE_MS: '100',
      WEBHOOK_BACKOFF_MAX_MS: '1000',
      WEBHOOK_CONCURRENCY: '4',
      WEBHOOK_POLL_INTERVAL_MS: '200',
      WEBHOOK_RETENTION_DAYS: '7',
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    });
    expect(toPlatformConfig(env, () => undefined).forwarding).toEqual({
      timeoutMs: 2500,
      maxAttempts: 5,
      backoffBaseMs: 100,
      backoffMaxMs: 1000,
      concurrency: 4,
      pollIntervalMs: 200,
      retentionDays: 7,
      allowPrivateNetworks: true,
    });
    expect(() =>
      validateEnvironment({ WEBHOOK_MAX_ATTEMPTS: '0', WEBHOOK_TIMEOUT_MS: 'soon' }),
    ).toThrow(
      /WEBHOOK_TIMEOUT_MS[\s\S]*WEBHOOK_MAX_ATTEMPTS|WEBHOOK_MAX_ATTEMPTS[\s\S]*WEBHOOK_TIMEOUT_MS/,
    );
  });
});
