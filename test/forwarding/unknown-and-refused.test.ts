import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeAccount } from '../support/accounts.js';
import { apiClient, tenantWithKey } from '../support/admin-api.js';
import { postPush, signedPush } from '../support/push.js';
import { eventually, newComponent, startStack, TestStack } from '../support/stack.js';
import { messagePush, postMessage, textMessage } from '../messages/message-push.js';
import { Receiver } from './receiver.js';
import { verifyWopSignature } from './verify-signature.js';

interface Created {
  secret: string;
  webhook: { id: string };
}

const UNKNOWN_INFO_TYPE = 'notify_something_new';

/**
 * The edges of forwarding, through the platform's real URLs: a push of an InfoType nobody knows
 * yet still reaches the tenant it concerns, and nothing the platform refuses (forged, stale,
 * unreadable, meant for another component) is ever queued or sent to a tenant.
 */
describe('forwarding: unknown InfoTypes reach the tenant, refused pushes reach nobody', () => {
  let stack: TestStack;
  let receiver: Receiver;
  let db: Client;
  let hook: Created;
  let account: { appid: string; userName: string };
  /** A second component the platform serves (the sandbox does not know it). */
  const other = newComponent();

  beforeAll(async () => {
    stack = await startStack({
      extraComponents: [other],
      platform: { forwarding: { pollIntervalMs: 100, allowPrivateNetworks: true } },
    });
    receiver = await new Receiver().start();
    db = new Client({ connectionString: stack.db.url });
    await db.connect();
    account = await authorizeAccount(stack);
    // Bound before its first message (the message URL caches account records); the registry
    // binds tenants through authorization sessions, here the row is set directly.
    await db.query(`UPDATE authorizer SET tenant_id = 'acme' WHERE authorizer_appid = $1`, [
      account.appid,
    ]);
    const api = apiClient(stack.platform, await tenantWithKey(stack.platform, 'acme'));
    // No filter: every message, event and InfoType of the tenant's accounts.
    const created = await api.post<Created>('/v1/tenants/acme/webhooks', {
      url: `${receiver.url}/all`,
    });
    expect(created.status).toBe(201);
    hook = created.body;
  });
  afterAll(async () => {
    await db?.end();
    await receiver?.close();
    await stack?.close();
  });

  const deliveryCount = async (): Promise<number> =>
    Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM webhook_delivery`)).rows[0].n);

  it.each([
    ['AuthorizerAppid', 'secret-code-authorizer-appid'],
    ['appid', 'secret-code-lowercase-appid'],
  ])(
    'forwards an unknown InfoType naming the account by %s once, signed, with its fields and its auth_code redacted',
    async (accountField, authCode) => {
      const before = receiver.at('/all').length;
      const rowsBefore = await deliveryCount();
      const result = await stack.sandbox.pushEvent(stack.component.appid, UNKNOWN_INFO_TYPE, {
        [accountField]: account.appid,
        Status: 3,
        Reason: `reason of ${accountField}`,
        Detail: { Step: 'review', Items: [{ Name: 'a' }, { Name: 'b' }] },
        auth_code: authCode,
      });
      // Answered success: a push nobody knows is not refused.
      expect(result.push.outcome).toBe('delivered');
      // Queued before WeChat was answered, once (even if WeChat retried): one delivery.
      expect(await deliveryCount()).toBe(rowsBefore + 1);

      const got = await eventually(
        async () => receiver.at('/all').length > before && receiver.at('/all')[before],
        20_000,
      );
      expect(verifyWopSignature(hook.secret, got.headers, got.body)).toBe(true);
      const payload = JSON.parse(got.body) as Record<string, unknown> & { xml: string };
      expect(payload).toMatchObject({
        type: 'event',
        componentAppid: stack.component.appid,
        authorizerAppid: account.appid,
        tenantId: 'acme',
        infoType: UNKNOWN_INFO_TYPE,
        fields: {
          AppId: stack.component.appid,
          InfoType: UNKNOWN_INFO_TYPE,
          [accountField]: account.appid,
          Status: '3',
          Reason: `reason of ${accountField}`,
          Detail: { Step: 'review', Items: [{ Name: 'a' }, { Name: 'b' }] },
          auth_code: '[redacted]',
        },
      });
      expect(payload.xml).toContain(`<InfoType><![CDATA[${UNKNOWN_INFO_TYPE}]]></InfoType>`);
      expect(payload.xml).toContain(`reason of ${accountField}`);
      expect(payload.xml).toMatch(/<auth_code>\[redacted\]<\/auth_code>/);
      // The credential never leaves the platform, in any part of the body.
      expect(got.body).not.toContain(authCode);
      expect(receiver.at('/all')).toHaveLength(before + 1);
    },
  );

  it("refuses forged, stale, garbage and wrong-component messages and pushes with a 4xx, and forwards none of them, nor a message on another component's URL", async () => {
    const rowsBefore = await deliveryCount();
    const before = receiver.at('/all').length;
    const text = (content: string) => textMessage(account.userName, 'o_attacker', content);
    const unknownPush = (extra: Record<string, unknown> = {}) => ({
      AppId: stack.component.appid,
      CreateTime: Math.floor(Date.now() / 1000),
      InfoType: UNKNOWN_INFO_TYPE,
      AuthorizerAppid: account.appid,
      ...extra,
    });
    const toMessageUrl = (push: { query: URLSearchParams; body: string }) => () =>
      postMessage(stack.platform.url, stack.component.appid, account.appid, push);
    const toEventUrl = (push: { query: string; body: string }) => () =>
      postPush(stack.platform.url, stack.component.appid, push);
    const good = messagePush(stack.component, text('garbage follows'));

    const cases: [string, number, string, () => Promise<{ status: number; body: string }>][] = [
      [
        'message: forged signature',
        401,
        'CRYPTO_BAD_SIGNATURE',
        toMessageUrl(messagePush(stack.component, text('forged'), { signWith: 'not-the-token' })),
      ],
      [
        'message: stale timestamp',
        401,
        'PUSH_TIMESTAMP_OUT_OF_WINDOW',
        toMessageUrl(
          messagePush(stack.component, text('stale'), {
            timestamp: Math.floor(Date.now() / 1000) - 3600,
          }),
        ),
      ],
      [
        'message: garbage body',
        400,
        'XML_MALFORMED',
        toMessageUrl({ query: good.query, body: 'not xml at all' }),
      ],
      [
        "message: sealed with another component's keys",
        401,
        'CRYPTO_BAD_SIGNATURE',
        toMessageUrl(messagePush(other, text('other keys'))),
      ],
      [
        'message: our keys, receive id of another component',
        400,
        'CRYPTO_APPID_MISMATCH',
        toMessageUrl(messagePush({ ...stack.component, appid: other.appid }, text('other id'))),
      ],
      [
        'event: forged signature',
        401,
        'CRYPTO_BAD_SIGNATURE',
        toEventUrl(signedPush({ ...stack.component, token: 'not-the-token' }, unknownPush())),
      ],
      [
        'event: stale timestamp',
        401,
        'PUSH_TIMESTAMP_OUT_OF_WINDOW',
        toEventUrl(
          signedPush(stack.component, unknownPush(), {
            timestamp: Math.floor(Date.now() / 1000) - 3600,
          }),
        ),
      ],
      [
        'event: garbage body',
        400,
        'XML_MALFORMED',
        toEventUrl({ query: signedPush(stack.component, unknownPush()).query, body: '<xml' }),
      ],
      [
        'event: names another component',
        400,
        'PUSH_WRONG_COMPONENT',
        toEventUrl(signedPush(stack.component, unknownPush({ AppId: other.appid }))),
      ],
      [
        "event: sealed with another component's keys",
        401,
        'CRYPTO_BAD_SIGNATURE',
        toEventUrl(signedPush(other, unknownPush({ AppId: other.appid }))),
      ],
    ];
    for (const [name, status, code, run] of cases) {
      const res = await run();
      const body = JSON.parse(res.body) as { code: string };
      expect([name, res.status, body.code]).toEqual([name, status, code]);
    }
    // The account is not the other component's: answered so WeChat stops retrying, not processed.
    const elsewhere = await postMessage(
      stack.platform.url,
      other.appid,
      account.appid,
      messagePush(other, text('on the other component')),
    );
    expect([elsewhere.status, elsewhere.body]).toEqual([200, 'success']);
    // The forwarding handler queues before WeChat is answered: a refused push left no row.
    expect(await deliveryCount()).toBe(rowsBefore);

    // A genuine message sent afterwards is delivered: the receiver would have seen the others.
    const genuine = await postMessage(
      stack.platform.url,
      stack.component.appid,
      account.appid,
      messagePush(stack.component, textMessage(account.userName, 'o_user_1', 'the genuine one')),
    );
    expect([genuine.status, genuine.body]).toEqual([200, 'success']);
    expect(await deliveryCount()).toBe(rowsBefore + 1);
    const got = await eventually(
      async () => receiver.at('/all').length > before && receiver.at('/all').slice(before),
      20_000,
    );
    expect(got).toHaveLength(1);
    expect(JSON.parse(got[0].body)).toMatchObject({
      type: 'message',
      authorizerAppid: account.appid,
      fields: { Content: 'the genuine one' },
    });
  });
});
