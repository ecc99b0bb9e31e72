import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PreAuthService } from '@app/wechat-open';
import { authorizeAccount, newAccount } from '../support/accounts.js';
import { apiClient, ApiClient, tenantWithKey } from '../support/admin-api.js';
import { authorizeThroughPages } from '../support/browser.js';
import { eventually, startStack, TestStack } from '../support/stack.js';
import { messagePush, postMessage, textMessage } from '../messages/message-push.js';
import { Receiver } from './receiver.js';
import { verifyWopSignature } from './verify-signature.js';

interface Created {
  secret: string;
  webhook: { id: string };
}

/**
 * The whole path: the sandbox pushes a user message to the platform's message URL as WeChat
 * does; the forwarding handler queues it before WeChat is answered; the worker signs and POSTs
 * it to the tenant's receiver.
 */
describe('forwarding end to end: from a WeChat push to the tenant', () => {
  let stack: TestStack;
  let receiver: Receiver;
  let db: Client;
  let api: ApiClient;
  let hook: Created;
  let tenantAccount: { appid: string; userName: string };
  let lonelyAccount: { appid: string; userName: string };

  beforeAll(async () => {
    stack = await startStack({
      platform: { forwarding: { pollIntervalMs: 100, allowPrivateNetworks: true } },
    });
    receiver = await new Receiver().start();
    db = new Client({ connectionString: stack.db.url });
    await db.connect();
    tenantAccount = await authorizeAccount(stack);
    lonelyAccount = await authorizeAccount(stack);
    api = apiClient(stack.platform, await tenantWithKey(stack.platform, 'acme'));
    // The registry binds tenants through authorization sessions; here the row is set directly.
    await db.query(`UPDATE authorizer SET tenant_id = 'acme' WHERE authorizer_appid = $1`, [
      tenantAccount.appid,
    ]);
    hook = (
      await api.post<Created>('/v1/tenants/acme/webhooks', {
        url: `${receiver.url}/acme`,
        infoTypes: [],
      })
    ).body;
  });
  afterAll(async () => {
    await db?.end();
    await receiver?.close();
    await stack?.close();
  });

  const pushFromSandbox = (appid: string, body: Record<string, unknown>) =>
    stack.sandbox.request<{ delivered: boolean; outcome: string }>(
      'POST',
      `/sandbox/components/${stack.component.appid}/accounts/${appid}/message`,
      body,
    );

  it("forwards a user's text message and a subscribe event of a tenant's account, signed", async () => {
    const text = await pushFromSandbox(tenantAccount.appid, {
      openid: 'o_user_1',
      content: 'hello from wechat',
    });
    expect(text.delivered).toBe(true);
    const subscribe = await pushFromSandbox(tenantAccount.appid, {
      openid: 'o_user_1',
      fields: { Event: 'subscribe' },
    });
    expect(subscribe.delivered).toBe(true);
    const got = await eventually(
      async () => receiver.at('/acme').length >= 2 && receiver.at('/acme'),
    );
    for (const r of got) expect(verifyWopSignature(hook.secret, r.headers, r.body)).toBe(true);
    const payloads = got.map((r) => JSON.parse(r.body) as Record<string, unknown>);
    const message = payloads.find((p) => p.msgType === 'text')!;
    expect(message).toMatchObject({
      type: 'message',
      componentAppid: stack.component.appid,
      authorizerAppid: tenantAccount.appid,
      tenantId: 'acme',
      fromUser: 'o_user_1',
      toUser: tenantAccount.userName,
      fields: { Content: 'hello from wechat', MsgType: 'text' },
    });
    expect(message.xml).toContain('hello from wechat');
    expect(payloads.find((p) => p.msgType === 'event')).toMatchObject({
      event: 'subscribe',
      fields: { Event: 'subscribe' },
    });
  });

  it('forwards a message WeChat sends twice once', async () => {
    const before = receiver.at('/acme').length;
    const fields = textMessage(tenantAccount.userName, 'o_user_2', 'sent twice');
    for (let i = 0; i < 2; i++) {
      const res = await postMessage(
        stack.platform.url,
        stack.component.appid,
        tenantAccount.appid,
        messagePush(stack.component, fields),
      );
      expect(res.status).toBe(200);
    }
    await eventually(async () => receiver.at('/acme').length > before);
    await new Promise((r) => setTimeout(r, 500));
    const twice = receiver
      .at('/acme')
      .slice(before)
      .filter((r) => r.body.includes('sent twice'));
    expect(twice).toHaveLength(1);
  });

  it("forwards the authorization-event URL's pushes about a tenant's account to the webhooks that want them", async () => {
    const events = (
      await api.post<Created>('/v1/tenants/acme/webhooks', {
        url: `${receiver.url}/acme-events`,
        msgTypes: [],
        infoTypes: ['updateauthorized', 'unauthorized'],
      })
    ).body;
    const messagesBefore = receiver.at('/acme').length;
    await stack.sandbox.update(stack.component.appid, tenantAccount.appid, [1, 2, 3]);
    const [got] = await eventually(
      async () => receiver.at('/acme-events').length > 0 && receiver.at('/acme-events'),
    );
    expect(verifyWopSignature(events.secret, got.headers, got.body)).toBe(true);
    expect(JSON.parse(got.body)).toMatchObject({
      type: 'event',
      componentAppid: stack.component.appid,
      authorizerAppid: tenantAccount.appid,
      tenantId: 'acme',
      infoType: 'updateauthorized',
      fields: { InfoType: 'updateauthorized', AuthorizationCode: '[redacted]' },
    });
    // The push's credential stays in the platform, in the XML too.
    expect(JSON.parse(got.body).xml).toMatch(
      /<AuthorizationCode>\[redacted\]<\/AuthorizationCode>/,
    );
    // The first webhook takes no InfoTypes.
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.at('/acme')).toHaveLength(messagesBefore);
  });

  it("forwards a first authorization made through the tenant's authorization session", async () => {
    const hook = (
      await api.post<Created>('/v1/tenants/acme/webhooks', {
        url: `${receiver.url}/acme-authorized`,
        msgTypes: [],
        infoTypes: ['authorized'],
      })
    ).body;
    const account = newAccount('official_account');
    await stack.sandbox.addAccount(account);
    const session = await stack.platform.get(PreAuthService).createSession(stack.component.appid, {
      tenantId: 'acme',
      returnUrl: 'https://dashboard.example.com/return/acme',
    });
    await authorizeThroughPages(session.entryUrl, account.appid);
    const got = await eventually(async () => receiver.at('/acme-authorized')[0]);
    expect(verifyWopSignature(hook.secret, got.headers, got.body)).toBe(true);
    const payload = JSON.parse(got.body) as { xml: string };
    expect(payload).toMatchObject({
      type: 'event',
      infoType: 'authorized',
      authorizerAppid: account.appid,
      tenantId: 'acme',
      fields: { AuthorizationCode: '[redacted]', PreAuthCode: '[redacted]' },
    });
    expect(payload.xml).toMatch(/<AuthorizationCode>\[redacted\]<\/AuthorizationCode>/);
    expect(payload.xml).not.toMatch(/queryauthcode/i);
  });

  it('forwards nothing of an account without a tenant', async () => {
    const before = receiver.received.length;
    const res = await pushFromSandbox(lonelyAccount.appid, {
      openid: 'o_user_3',
      content: 'nobody listens',
    });
    expect(res.delivered).toBe(true);
    await new Promise((r) => setTimeout(r, 600));
    expect(receiver.received.slice(before)).toEqual([]);
    const { rows } = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM webhook_delivery WHERE authorizer_appid = $1`,
      [lonelyAccount.appid],
    );
    expect(Number(rows[0].n)).toBe(0);
  });

  it('forwards the unauthorized push when the owner revokes the account', async () => {
    const before = receiver.at('/acme-events').length;
    await stack.sandbox.revoke(stack.component.appid, tenantAccount.appid);
    const got = await eventually(
      async () =>
        receiver.at('/acme-events').length > before && receiver.at('/acme-events')[before],
    );
    expect(JSON.parse(got.body)).toMatchObject({
      type: 'event',
      infoType: 'unauthorized',
      authorizerAppid: tenantAccount.appid,
      tenantId: 'acme',
    });
  });
});
