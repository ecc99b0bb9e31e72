import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiKeyKind } from '../../apps/platform/src/access/access.entities.js';
import { newApiKey } from '../../apps/platform/src/access/api-key.codec.js';
import { ApiKeysService } from '../../apps/platform/src/access/api-keys.service.js';
import { operatorKey, tenantWithKey } from '../support/admin-api.js';
import { routesOf } from '../support/openapi-routes.js';
import { startStack, TestStack } from '../support/stack.js';

const OP: ApiKeyKind[] = ['operator'];
const DASHBOARD: ApiKeyKind[] = ['operator', 'tenant'];
const SERVICE: ApiKeyKind[] = ['service'];
const KINDS: ApiKeyKind[] = ['operator', 'tenant', 'service'];

/**
 * Who may call each /v1 route, written out rather than read from the code: a route added, or a
 * rule changed, fails this test until the table says so too.
 */
const ACCESS: Record<string, ApiKeyKind[]> = {
  'get /v1/me': KINDS,
  // Tenants and keys.
  'post /v1/tenants': OP,
  'get /v1/tenants': OP,
  'get /v1/tenants/:tenantId': DASHBOARD,
  'patch /v1/tenants/:tenantId/settings': DASHBOARD,
  'post /v1/keys': OP,
  'get /v1/keys': OP,
  'delete /v1/keys/:keyId': OP,
  // Dashboards.
  'post /v1/authorization-sessions': DASHBOARD,
  'get /v1/authorization-sessions/:sessionId': DASHBOARD,
  'get /v1/authorizers': DASHBOARD,
  'get /v1/components/:componentAppid/authorizers/:authorizerAppid': DASHBOARD,
  'get /v1/components/:componentAppid/authorizers/:authorizerAppid/history': DASHBOARD,
  'get /v1/components/:componentAppid/authorizers/:authorizerAppid/refresh-log': DASHBOARD,
  'get /v1/components/:componentAppid/authorizers/:authorizerAppid/events': DASHBOARD,
  'post /v1/components/:componentAppid/authorizers/:authorizerAppid/profile-refresh': DASHBOARD,
  'post /v1/components/:componentAppid/authorizers/:authorizerAppid/detach': DASHBOARD,
  'get /v1/pushes': DASHBOARD,
  'get /v1/insights': DASHBOARD,
  'post /v1/tenants/:tenantId/webhooks': DASHBOARD,
  'get /v1/tenants/:tenantId/webhooks': DASHBOARD,
  'get /v1/tenants/:tenantId/webhooks/:webhookId': DASHBOARD,
  'patch /v1/tenants/:tenantId/webhooks/:webhookId': DASHBOARD,
  'delete /v1/tenants/:tenantId/webhooks/:webhookId': DASHBOARD,
  'post /v1/tenants/:tenantId/webhooks/:webhookId/secret': DASHBOARD,
  'get /v1/tenants/:tenantId/webhooks/:webhookId/deliveries': DASHBOARD,
  'post /v1/tenants/:tenantId/webhooks/:webhookId/deliveries/:deliveryId/redeliver': DASHBOARD,
  // Operators.
  'get /v1/components': OP,
  'post /v1/components/:componentAppid/authorizer-list-sync': OP,
  'get /v1/components/:componentAppid/quota': OP,
  'post /v1/components/:componentAppid/quota/reset': OP,
  'get /v1/components/:componentAppid/rids/:rid': OP,
  'post /v1/components/:componentAppid/events/:eventId/replay': OP,
  'get /v1/jobs': OP,
  'post /v1/jobs/:jobId/retry': OP,
  // The token API.
  'get /v1/components/:componentAppid/authorizers/:authorizerAppid/access-token': SERVICE,
  'post /v1/components/:componentAppid/authorizers/:authorizerAppid/access-token/rejected': SERVICE,
  'get /v1/components/:componentAppid/authorizers/:authorizerAppid/jssdk-config': SERVICE,
  'post /v1/components/:componentAppid/authorizers/:authorizerAppid/calls': SERVICE,
};

interface Answer {
  status: number;
  body: Record<string, unknown>;
  requestIdHeader: string | null;
}

/** The uniform error body: exactly these four fields, the status repeated, a request id. */
function expectErrorBody(answer: Answer, status: number, code: string, what: string) {
  expect(answer.status, what).toBe(status);
  expect(Object.keys(answer.body).sort(), what).toEqual([
    'code',
    'message',
    'requestId',
    'statusCode',
  ]);
  expect(answer.body, what).toMatchObject({ statusCode: status, code });
  expect(answer.body.message, what).toEqual(expect.stringMatching(/\S/));
  expect(answer.body.requestId, what).toEqual(expect.stringMatching(/\S/));
  expect(answer.requestIdHeader, what).toBe(answer.body.requestId);
}

describe('every /v1 route refuses a missing, bad or revoked key, and a key of the wrong kind', () => {
  let stack: TestStack;
  const keys = {} as Record<ApiKeyKind, string>;
  let revoked: string;
  let params: Record<string, string>;

  beforeAll(async () => {
    stack = await startStack({ platform: { schedulers: false } });
    keys.operator = await operatorKey(stack.platform);
    keys.tenant = await tenantWithKey(stack.platform, 'acme');
    const apiKeys = stack.platform.get(ApiKeysService);
    keys.service = (await apiKeys.create({ kind: 'service', name: 'svc', createdBy: 'test' })).key;
    const gone = await apiKeys.create({ kind: 'operator', name: 'gone', createdBy: 'test' });
    await apiKeys.revoke(gone.view.id);
    revoked = gone.key;
    // Plausible values, real where they can be: the guard answers before any of them is read.
    params = {
      componentAppid: stack.component.appid,
      authorizerAppid: `wxa${randomBytes(8).toString('hex')}`,
      tenantId: 'acme',
      keyId: randomUUID(),
      sessionId: randomBytes(24).toString('base64url'),
      webhookId: randomUUID(),
      deliveryId: randomUUID(),
      rid: '617682e0-09059ac5-34a8e2ea',
      eventId: '1',
      jobId: '1',
    };
  });
  afterAll(() => stack.close());

  /**
   * Calls the route. `junk` adds an unknown query parameter and an unknown body field, which a
   * refusal of the key must answer before any validation looks at them.
   */
  async function call(route: string, authorization: string | undefined, junk: boolean) {
    const [method, pattern] = route.split(' ');
    const path = pattern.replace(/:(\w+)/g, (_, name: string) => {
      expect(params[name], `a value for :${name}`).toBeDefined();
      return encodeURIComponent(params[name]);
    });
    const withBody = method !== 'get' && method !== 'delete';
    const res = await fetch(`${stack.platform.url}${path}${junk ? '?unexpected=1' : ''}`, {
      method: method.toUpperCase(),
      headers: {
        ...(authorization ? { authorization } : {}),
        ...(withBody ? { 'content-type': 'application/json' } : {}),
      },
      body: withBody ? JSON.stringify(junk ? { unexpected: true } : {}) : undefined,
    });
    const text = await res.text();
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = { text };
    }
    return { status: res.status, body, requestIdHeader: res.headers.get('x-request-id') };
  }

  it('has the access rules of every /v1 route the app serves (and of no other)', () => {
    const served = routesOf(stack.platform)
      .filter((r) => r.path.startsWith('/v1/'))
      .map((r) => `${r.method} ${r.path}`)
      .sort();
    expect(served).toEqual(Object.keys(ACCESS).sort());
  });

  describe.each(Object.entries(ACCESS))('%s', (route, allowed) => {
    it('answers 401 AUTH_MISSING without a bearer key', async () => {
      expectErrorBody(await call(route, undefined, true), 401, 'AUTH_MISSING', 'no header');
      expectErrorBody(
        await call(route, `Basic ${Buffer.from('a:b').toString('base64')}`, true),
        401,
        'AUTH_MISSING',
        'another scheme',
      );
    });

    it('answers 401 AUTH_INVALID to a malformed, unknown or revoked key', async () => {
      const cases: [string, string][] = [
        ['malformed', 'Bearer wop_op_not-a-key'],
        ['unknown', `Bearer ${newApiKey('operator').key}`],
        ['wrong secret', `Bearer ${keys.operator.slice(0, -43)}${'A'.repeat(43)}`],
        ['revoked', `Bearer ${revoked}`],
      ];
      for (const [what, header] of cases) {
        expectErrorBody(await call(route, header, true), 401, 'AUTH_INVALID', what);
      }
    });

    it(`answers 403 KEY_KIND_REFUSED to keys other than ${allowed.join(' or ')}`, async () => {
      const refused = KINDS.filter((k) => !allowed.includes(k));
      for (const kind of refused) {
        const answer = await call(route, `Bearer ${keys[kind]}`, true);
        expectErrorBody(answer, 403, 'KEY_KIND_REFUSED', `${kind} key`);
        expect(answer.body.message).toContain(allowed.join(' or '));
      }
    });

    it(`lets ${allowed.join(' and ')} keys through to the route`, async () => {
      for (const kind of allowed) {
        const answer = await call(route, `Bearer ${keys[kind]}`, false);
        expect([401, 403], `${kind} key: ${JSON.stringify(answer.body)}`).not.toContain(
          answer.status,
        );
        expect(answer.status, `${kind} key: ${JSON.stringify(answer.body)}`).toBeLessThan(500);
      }
    });
  });
});
