import { Injectable, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { Issued, startWatchedSandbox } from '../support/issued-credentials.js';
import { eventually, startStack, TestStack } from '../support/stack.js';
import { Receiver } from '../forwarding/receiver.js';

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
  let issued: Issued;
  const created = new Set<string>();

  beforeAll(async () => {
    // Every credential the sandbox issues is read off its answers as they leave it.
    let sandboxUrl: string;
    ({ sandbox, url: sandboxUrl, issued } = await startWatchedSandbox());
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
