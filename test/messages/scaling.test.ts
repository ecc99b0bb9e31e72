import { Injectable, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthorizerService,
  OnWechatMessage,
  WechatMessageContext,
  WechatReply,
} from '@app/wechat-open';
import { MessageDedupeRepository } from '../../libs/wechat-open/src/messages/message-dedupe.repository.js';
import { authorizeAccount, newAccount } from '../support/accounts.js';
import { eventually, startStack, TestPlatform, TestStack } from '../support/stack.js';
import { messagePush, postMessage, textMessage } from './message-push.js';

/** Every handler call (both instances run in this process), by the message's content. */
const calls: { msgId: string | null; content: unknown }[] = [];

@Injectable()
class ScalingHandlers {
  @OnWechatMessage({ msgType: 'text' })
  onText(ctx: WechatMessageContext): WechatReply | undefined {
    calls.push({ msgId: ctx.msgId, content: ctx.fields.Content });
    return ctx.fields.Content === 'reply' ? { type: 'text', content: 'ok' } : undefined;
  }
}

@Module({ providers: [ScalingHandlers] })
class ScalingModule {}

const callsFor = (content: string) => calls.filter((c) => c.content === content).length;

describe('the message URL on several instances: cached accounts, grouped claims', () => {
  let stack: TestStack;
  let second: TestPlatform;

  beforeAll(async () => {
    stack = await startStack({ imports: [ScalingModule], platform: { schedulers: false } });
    second = await stack.startInstance({ instanceId: 'test-2' });
  }, 60_000);
  afterAll(async () => {
    await second?.stop();
    await stack?.close();
  });

  const post = (on: TestPlatform, account: { appid: string; userName: string }, content: string) =>
    postMessage(
      on.url,
      stack.component.appid,
      account.appid,
      messagePush(stack.component, textMessage(account.userName, 'o_scaling_user', content)),
    );

  it('sees an account revoked, detached or authorized again on another instance', async () => {
    const account = await authorizeAccount(stack);
    // The second instance reads (and keeps) the record as authorized.
    expect((await post(second, account, 'before-revoke')).status).toBe(200);
    expect(callsFor('before-revoke')).toBe(1);

    // Revoked through the first instance (the sandbox pushes there): the second stops handling.
    await stack.sandbox.revoke(stack.component.appid, account.appid);
    await eventually(async () => {
      const r = await stack.platform
        .get(AuthorizerService)
        .find(stack.component.appid, account.appid);
      return r?.status === 'revoked';
    });
    let n = 0;
    await eventually(async () => {
      const res = await post(second, account, `after-revoke-${++n}`);
      expect([res.status, res.body]).toEqual([200, 'success']);
      return callsFor(`after-revoke-${n}`) === 0;
    }, 10_000);

    // Authorized again (first instance): the second handles its messages again.
    await stack.sandbox.authorize(stack.component.appid, account.appid);
    await eventually(async () => {
      const r = await stack.platform
        .get(AuthorizerService)
        .find(stack.component.appid, account.appid);
      return r?.status === 'authorized';
    });
    await eventually(async () => {
      const res = await post(second, account, `after-reauthorize-${++n}`);
      expect(res.status).toBe(200);
      return callsFor(`after-reauthorize-${n}`) === 1;
    }, 10_000);

    // Detached by the platform on the first instance: the second stops handling again.
    await stack.platform.get(AuthorizerService).detach(stack.component.appid, account.appid, 'api');
    await eventually(async () => {
      const res = await post(second, account, `after-detach-${++n}`);
      expect([res.status, res.body]).toEqual([200, 'success']);
      return callsFor(`after-detach-${n}`) === 0;
    }, 10_000);
  });

  it('handles an account authorized after another instance found it unknown', async () => {
    const account = newAccount('official_account');
    // Unknown to every instance: answered success, nothing handled (and remembered as unknown).
    expect((await post(second, account, 'while-unknown')).body).toBe('success');
    expect(callsFor('while-unknown')).toBe(0);
    await stack.sandbox.addAccount(account);
    await stack.sandbox.authorize(stack.component.appid, account.appid);
    await eventually(async () => {
      const r = await stack.platform
        .get(AuthorizerService)
        .find(stack.component.appid, account.appid);
      return r?.status === 'authorized' && r.userName === account.userName;
    });
    let n = 0;
    await eventually(async () => {
      await post(second, account, `once-known-${++n}`);
      return callsFor(`once-known-${n}`) === 1;
    }, 10_000);
  });

  it('claims messages arriving together in one statement, each run once across instances', async () => {
    const account = await authorizeAccount(stack);
    const messages = Array.from({ length: 30 }, (_, i) =>
      messagePush(
        stack.component,
        textMessage(account.userName, 'o_scaling_group', `group-${i}`, `${Date.now()}${1000 + i}`),
      ),
    );
    // Every message three times at once: twice to the first instance, once to the second.
    const answers = await Promise.all(
      messages.flatMap((push) =>
        [stack.platform, stack.platform, second].map((p) =>
          postMessage(p.url, stack.component.appid, account.appid, push),
        ),
      ),
    );
    expect(answers.every((r) => r.status === 200)).toBe(true);
    for (let i = 0; i < messages.length; i++) expect(callsFor(`group-${i}`)).toBe(1);
    const rows = await stack.platform.get(DataSource).query<{ n: string; kinds: string[] }[]>(
      `SELECT count(*) AS n, array_agg(DISTINCT msg_type) AS kinds FROM wechat_message_dedupe
          WHERE authorizer_appid = $1`,
      [account.appid],
    );
    expect(Number(rows[0].n)).toBe(messages.length);
    expect(rows[0].kinds).toEqual(['text']);
  });

  it('gives each claim of a group its own outcome, from one INSERT', async () => {
    const repo = stack.platform.get(MessageDedupeRepository);
    const db = stack.platform.get(DataSource);
    const original = db.query.bind(db);
    let inserts = 0;
    db.query = ((sql: string, ...rest: unknown[]) => {
      if (sql.includes('INSERT INTO wechat_message_dedupe')) inserts++;
      return (original as (...a: unknown[]) => Promise<unknown>)(sql, ...rest);
    }) as typeof db.query;
    try {
      const key = (k: string) => ({
        componentAppid: stack.component.appid,
        authorizerAppid: 'wxa_group_claims',
        dedupeKey: `group-claim-${k}`,
      });
      const now = new Date();
      await repo.claim(key('taken'), now, 'text');
      inserts = 0;
      // Same turn of the event loop: a new key, one repeated within the group, one taken before.
      const outcomes = await Promise.all([
        repo.claim(key('a'), now, 'text'),
        repo.claim(key('b'), now, 'event:subscribe'),
        repo.claim(key('a'), now, 'text'),
        repo.claim(key('taken'), now, 'text'),
      ]);
      expect(outcomes).toEqual([true, true, false, false]);
      expect(inserts).toBe(1);
    } finally {
      db.query = original;
    }
  });
});
