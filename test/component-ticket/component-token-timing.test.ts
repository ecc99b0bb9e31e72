import { afterEach, describe, expect, it } from 'vitest';
import { ComponentTokenService, PreAuthService } from '@app/wechat-open';
import { libraryFixture } from '../library/library-host.js';
import { eventually, startStack, TestStack } from '../support/stack.js';

const NEVER = '0 0 0 1 1 *';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('component token timing', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('mints about once per lifetime when WeChat gives short lifetimes, with the default margins', async () => {
    const ttlSec = 6;
    // The default margins (900 s to refresh, 60 s kept back) are longer than the whole lifetime:
    // they are scaled down to it, not applied as they are.
    stack = await startStack({ sandboxSettings: { componentTokenTtlSec: ttlSec } });
    const preAuth = stack.platform.get(PreAuthService);
    const appid = stack.component.appid;
    await preAuth.createPreAuthCode(appid);
    const before = (await stack.sandbox.counters()).tokensIssued.component_access_token;
    const windowMs = 12_000;
    const deadline = Date.now() + windowMs;
    while (Date.now() < deadline) {
      await preAuth.createPreAuthCode(appid); // presents the token every time
      await sleep(200);
    }
    const counters = await stack.sandbox.counters();
    const perLifetime =
      (counters.tokensIssued.component_access_token - before) / (windowMs / 1000 / ttlSec);
    expect(perLifetime).toBeGreaterThanOrEqual(0.5);
    expect(perLifetime).toBeLessThanOrEqual(1.5);
    expect(counters.invalidTokensPresented).toEqual([]);
  });

  it('mints again within seconds after a timed-out api_component_token, without waiting for the cron', async () => {
    // A timed-out call may have reached WeChat and issued a token we never saw, which retires
    // the stored one after WeChat's grace period.
    stack = await startStack({ platform: { componentCron: NEVER } });
    const tokens = stack.platform.get(ComponentTokenService);
    const appid = stack.component.appid;
    await tokens.getComponentAccessToken(appid);
    const { version } = await tokens.status(appid);
    await tokens.invalidate(appid, version);
    // Every attempt of the next mint outlasts the client's timeout (2 s in the test stack), and
    // is served in full by WeChat after it.
    await stack.sandbox.fault({ endpoint: 'api_component_token', latencyMs: 4500 });
    await expect(tokens.refreshIfDue(appid)).rejects.toMatchObject({
      code: 'WECHAT_UNAVAILABLE',
      outcomeUnknown: true,
    });
    await stack.sandbox.clearFaults();
    const failedAt = Date.now();
    const after = await eventually(async () => {
      const s = await tokens.status(appid);
      return s.version > version ? s : null;
    }, 8000);
    expect(Date.now() - failedAt).toBeLessThan(8000);
    expect(after.expiresAt!.getTime()).toBeGreaterThan(Date.now());
  });

  it('refuses at start-up a component token timing that cannot work (CONFIG_INVALID_TIMING)', async () => {
    const fx = await libraryFixture();
    try {
      // Never hand out a token with less than 60 s left, but refresh only 30 s before expiry.
      await expect(
        fx.start({
          options: { schedulers: false, componentTokenRefreshMarginSec: 30 },
        }),
      ).rejects.toMatchObject({
        code: 'CONFIG_INVALID_TIMING',
        message: expect.stringMatching(/component token/),
      });
    } finally {
      await fx.close();
    }
  });
});
