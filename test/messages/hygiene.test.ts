import { Injectable, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnWechatMessage, WechatMessageContext } from '@app/wechat-open';
import { MessageDedupeCron } from '../../libs/wechat-open/src/messages/message-dedupe.cron.js';
import { authorizeAccount } from '../support/accounts.js';
import { startStack, TestStack } from '../support/stack.js';

const SECRET = 'the-user-wrote-this-4af2c9';

@Injectable()
class ThrowingHandlers {
  @OnWechatMessage({ msgType: 'text' })
  quoteAndThrow(ctx: WechatMessageContext): never {
    throw new Error(`cannot handle ${String(ctx.xml)}`);
  }

  @OnWechatMessage({ msgType: 'text' })
  tooLate(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, 100));
  }
}

@Module({ providers: [ThrowingHandlers] })
class ThrowingModule {}

describe('message URL hygiene', () => {
  let stack: TestStack;
  const lines: string[] = [];
  beforeAll(async () => {
    stack = await startStack({
      imports: [ThrowingModule],
      platform: { logLevel: 'debug' },
      logStream: { write: (line: string) => void lines.push(line) },
    });
  }, 60_000);
  afterAll(() => stack?.close());

  it('never logs the decrypted content, even when a handler quotes it in its error', async () => {
    const account = await authorizeAccount(stack);
    const result = await stack.sandbox.request<{ rawReply: string }>(
      'POST',
      `/sandbox/components/${stack.component.appid}/accounts/${account.appid}/message`,
      { content: SECRET, openid: 'o_hygiene_openid_01' },
    );
    expect(result.rawReply).toBe('success');
    const logged = lines.join('\n');
    expect(logged).toContain('ThrowingHandlers.quoteAndThrow failed');
    expect(logged).not.toContain(SECRET);
  });

  it('prunes deduplication claims older than the retention, keeping recent ones', async () => {
    const db = stack.platform.get(DataSource);
    await db.query(
      `INSERT INTO wechat_message_dedupe (component_appid, authorizer_appid, dedupe_key, claimed_at)
       SELECT 'wxc', 'wxa', 'old' || g, now() - interval '2 days' FROM generate_series(1, 30) g`,
    );
    await db.query(
      `INSERT INTO wechat_message_dedupe (component_appid, authorizer_appid, dedupe_key)
       VALUES ('wxc', 'wxa', 'recent')`,
    );
    const pruned = await stack.platform.app.get(MessageDedupeCron, { strict: false }).runOnce();
    expect(pruned).toBe(30);
    const left = await db.query<{ dedupe_key: string }[]>(
      `SELECT dedupe_key FROM wechat_message_dedupe WHERE component_appid = 'wxc'`,
    );
    expect(left.map((r) => r.dedupe_key)).toEqual(['recent']);
  });
});
