import { Injectable, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxApp } from '@app/sandbox';
import {
  AuthorizerTokenService,
  OnWechatMessage,
  WechatMessageContext,
  WechatReply,
} from '@app/wechat-open';
import { ApiKeysService } from '../../apps/platform/src/access/api-keys.service.js';
import { apiClient, operatorKey, tenantWithKey } from '../support/admin-api.js';
import { newAccount } from '../support/accounts.js';
import { authorizeThroughPages } from '../support/browser.js';
import { eventually, startStack, TestStack } from '../support/stack.js';
import { Receiver } from '../forwarding/receiver.js';

/** Fields of the sandbox's answers that carry a credential WeChat issued. */
const ISSUED_FIELDS = new Set([
  'ticket', // push-ticket (the verify ticket) and getticket (jsapi / wx_card tickets)
  'component_access_token',
  'pre_auth_code',
  'authorization_code',
  'authorizer_access_token',
  'authorizer_refresh_token',
  'authCode', // the control API's authorize
]);
/** Query parameters of the sandbox's redirects that carry one (the authorization page's). */
const ISSUED_PARAMS = ['auth_code', 'pre_auth_code'];

/** Issued values by the field or parameter that carried them. */
type Issued = Map<string, Set<string>>;

function add(into: Issued, kind: string, value: string): void {
  if (value.length < 8) return;
  if (!into.has(kind)) into.set(kind, new Set());
  into.get(kind)!.add(value);
}

function collectIssued(value: unknown, into: Issued): void {
  if (Array.isArray(value)) for (const v of value) collectIssued(v, into);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (ISSUED_FIELDS.has(k) && typeof v === 'string') add(into, k, v);
      else collectIssued(v, into);
    }
  }
}

function collectFromUrl(location: string, into: Issued): void {
  try {
    const url = new URL(location, 'http://sandbox.invalid');
    for (const p of ISSUED_PARAMS) {
      const v = url.searchParams.get(p);
      if (v) add(into, p, v);
    }
  } catch {
    // not a URL: nothing issued in it
  }
}

@Injectable()
class ReplyingHandlers {
  @OnWechatMessage({ msgType: 'text' })
  reply(ctx: WechatMessageContext): WechatReply {
    const content = typeof ctx.fields.Content === 'string' ? ctx.fields.Content : '';
    return { type: 'text', content: `echo ${content}` };
  }
}

@Module({ providers: [ReplyingHandlers] })
class ReplyingModule {}

/**
 * A whole flow against the sandbox with the platform logging at debug level: every credential
 * the sandbox issued (read off its answers and redirects as they leave it) and every key and
 * secret the platform created must appear in no log line.
 */
describe('no secret in the logs', () => {
  let sandbox: NestFastifyApplication;
  let stack: TestStack;
  let receiver: Receiver;
  const lines: string[] = [];
  const issued: Issued = new Map();
  const created = new Set<string>();

  beforeAll(async () => {
    sandbox = await createSandboxApp({ settings: { ticketPushIntervalMs: 0 } });
    // Every answer the sandbox gives (its WeChat API, its pages, its control API) is read for
    // credentials as it leaves: the test needs no knowledge of the sandbox's stores.
    sandbox
      .getHttpAdapter()
      .getInstance()
      .addHook('onSend', (_request, reply, payload, done) => {
        const location = reply.getHeader('location');
        if (typeof location === 'string') collectFromUrl(location, issued);
        const text =
          typeof payload === 'string'
            ? payload
            : Buffer.isBuffer(payload)
              ? payload.toString('utf8')
              : null;
        if (text?.startsWith('{') || text?.startsWith('[')) {
          try {
            collectIssued(JSON.parse(text), issued);
          } catch {
            // not JSON
          }
        }
        // A page's links carry the pre_auth_code too.
        for (const m of text?.matchAll(/https?:\/\/[^"'\s<>]+/g) ?? [])
          collectFromUrl(m[0], issued);
        done(null, payload);
      });
    await sandbox.listen(0, '127.0.0.1');
    const sandboxUrl = (await sandbox.getUrl()).replace('[::1]', '127.0.0.1');
    stack = await startStack({
      sandboxUrl,
      imports: [ReplyingModule],
      platform: {
        logLevel: 'debug',
        forwarding: { pollIntervalMs: 100, allowPrivateNetworks: true },
      },
      logStream: { write: (line: string) => void lines.push(line) },
    });
    receiver = await new Receiver().start();
  }, 60_000);
  afterAll(async () => {
    await receiver?.close();
    await stack?.close();
    await sandbox?.close();
  });

  it('runs the flow, then finds none of the values in any log line', async () => {
    const c = stack.component.appid;
    const RETURN = 'https://dash.acme.example/wechat/';
    // Keys the platform created, and the component's own secrets.
    const opKey = await operatorKey(stack.platform);
    const tenantKey = await tenantWithKey(stack.platform, 'acme', {
      returnUrlPrefixes: [RETURN],
      jssdkDomains: ['m.acme.example'],
    });
    const { key: serviceKey } = await stack.platform
      .get(ApiKeysService)
      .create({ kind: 'service', name: 'backend', createdBy: 'test' });
    for (const k of [opKey, tenantKey, serviceKey]) created.add(k);
    created.add(stack.component.secret);
    created.add(stack.component.encodingAesKey);
    created.add(stack.component.token);
    const acme = apiClient(stack.platform, tenantKey);
    const hook = await acme.post<{ secret: string }>('/v1/tenants/acme/webhooks', {
      url: `${receiver.url}/acme`,
      infoTypes: [],
    });
    expect(hook.status).toBe(201);
    created.add(hook.body.secret);

    // Authorization through the pages: pre_auth_code, the authorization code, the tokens.
    const account = newAccount();
    await stack.sandbox.addAccount(account);
    const session = await acme.post<{ entryUrl: string }>('/v1/authorization-sessions', {
      returnUrl: `${RETURN}done`,
    });
    expect(session.status).toBe(201);
    const { landing } = await authorizeThroughPages(session.body.entryUrl, account.appid);
    expect(landing.status).toBe(302);
    const tokens = stack.platform.get(AuthorizerTokenService);
    await eventually(async () => (await tokens.getAuthorizerToken(account.appid, c)).token);

    // A refresh now (the path a 40001 takes), and another through the sandbox's revocation of the token.
    const current = await tokens.getAuthorizerToken(account.appid, c);
    await tokens.rejectToken(account.appid, current.token, c);
    await stack.sandbox.invalidateToken(account.appid);

    // The token API with a service key: the token, then a JS-SDK config (the jsapi ticket).
    const service = apiClient(stack.platform, serviceKey);
    const base = `/v1/components/${c}/authorizers/${account.appid}`;
    const read = await service.get<{ accessToken: string }>(`${base}/access-token`);
    expect(read.status).toBe(200);
    const jssdk = await service.get<{ signature: string }>(
      `${base}/jssdk-config?url=${encodeURIComponent('https://m.acme.example/shop?x=1')}`,
    );
    expect(jssdk.status).toBe(200);
    expect(jssdk.body.signature).toMatch(/^[0-9a-f]{40}$/);

    // A message with a passive reply, forwarded to the tenant's webhook.
    const message = await stack.sandbox.request<{ delivered: boolean; reply: string | null }>(
      'POST',
      `/sandbox/components/${c}/accounts/${account.appid}/message`,
      { openid: 'o_log_secrets_user_01', content: 'hello' },
    );
    expect(message.delivered).toBe(true);
    expect(message.reply).toContain('echo hello');
    await eventually(async () => receiver.at('/acme').length >= 1);
    // A second ticket, after everything else.
    await stack.sandbox.pushTicket(c);

    // What the sandbox issued: at least one of each kind the flow used.
    const kinds = (await stack.sandbox.counters()).tokensIssued;
    expect(kinds).toMatchObject({
      component_access_token: expect.any(Number),
      authorizer_access_token: expect.any(Number),
    });
    expect(issued.get('authorizer_access_token')?.has(read.body.accessToken)).toBe(true);
    // Every kind the flow involved was seen leaving the sandbox (the authorization code as the
    // redirect's auth_code and the control API's authCode).
    for (const kind of [
      'auth_code',
      'authorizer_access_token',
      'authorizer_refresh_token',
      'component_access_token',
      'pre_auth_code',
      'ticket',
    ])
      expect(issued.has(kind), kind).toBe(true);
    // Verify tickets (push-ticket) and the jsapi ticket (getticket).
    expect(issued.get('ticket')!.size).toBeGreaterThanOrEqual(3);
    const values = [...issued.values()].flatMap((set) => [...set]);

    const logged = lines.join('');
    expect(lines.length).toBeGreaterThan(50);
    expect(logged).toMatch(/"level":20/); // debug lines were on
    expect(logged).toContain(account.appid); // the flow is in the logs
    const found = [...values, ...created].filter((v) => logged.includes(v));
    expect(found.map((v) => `${v.slice(0, 6)}… (${v.length} chars)`)).toEqual([]);
  });
});
