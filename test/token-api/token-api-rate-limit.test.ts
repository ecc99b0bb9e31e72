import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysService } from '../../apps/platform/src/access/api-keys.service.js';
import { ApiClient, apiClient, authorizeForTenant, tenantWithKey } from '../support/admin-api.js';
import { eventually, startStack, TestStack } from '../support/stack.js';

const LIMIT = 5;

describe('token API rate limit (tokenApiPerMin, per service key)', () => {
  let stack: TestStack;
  let path: string;
  const serviceKey = async (name: string) =>
    apiClient(
      stack.platform,
      (
        await stack.platform
          .get(ApiKeysService)
          .create({ kind: 'service', name, createdBy: 'test' })
      ).key,
    );

  beforeAll(async () => {
    stack = await startStack({
      platform: {
        schedulers: false,
        // The admin limit is far higher: a 429 after LIMIT calls is the token API's own limit.
        rateLimits: { adminPerMin: 600, tokenApiPerMin: LIMIT },
      },
    });
    // An account of a tenant (service keys see tenants' accounts), authorized as a user would.
    const RETURN = 'https://dash.acme.example/back/';
    const acme = apiClient(
      stack.platform,
      await tenantWithKey(stack.platform, 'acme', { returnUrlPrefixes: [RETURN] }),
    );
    const appid = await authorizeForTenant(stack, acme, RETURN);
    path = `/v1/components/${stack.component.appid}/authorizers/${appid}/access-token`;
    // Waited for with a key of its own, so the keys under test start with their whole allowance.
    const probe = await serviceKey('probe');
    await eventually(async () => (await probe.get(path)).status === 200);
  });
  afterAll(() => stack.close());

  it('answers 429 RATE_LIMITED after the limit, while another service key is still served', async () => {
    const busy: ApiClient = await serviceKey('busy');
    const quiet: ApiClient = await serviceKey('quiet');
    for (let i = 1; i <= LIMIT; i++) {
      const served = await busy.get<{ accessToken: string }>(path);
      expect(served.status, `call ${i}`).toBe(200);
      expect(served.body.accessToken).toEqual(expect.any(String));
      expect(served.headers.get('x-ratelimit-remaining'), `call ${i}`).toBe(String(LIMIT - i));
    }
    const limited = await busy.get(path);
    expect(limited.status).toBe(429);
    expect(Object.keys(limited.body).sort()).toEqual([
      'code',
      'message',
      'requestId',
      'statusCode',
    ]);
    expect(limited.body).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
    expect(limited.body.requestId).toEqual(expect.stringMatching(/\S/));
    expect(JSON.stringify(limited.body)).not.toMatch(/accessToken/);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);

    const other = await quiet.get<{ accessToken: string }>(path);
    expect(other.status).toBe(200);
    expect(other.body.accessToken).toEqual(expect.any(String));
    // Still refused: the other key's calls took nothing from this one's count, nor gave back.
    expect((await busy.get(path)).status).toBe(429);
  });
});
