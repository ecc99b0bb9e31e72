import { Injectable, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComponentEventContext, OnComponentEvent } from '@app/wechat-open';
import { postPush, signedPush } from '../support/push.js';
import { eventually, startStack, TestPlatform, TestStack } from '../support/stack.js';

const runs: { handler: string; failed: boolean }[] = [];
let failuresLeft = 0;

/** A critical handler that queries through the app's own DataSource, not ctx.manager. */
@Injectable()
class PoolHandlers {
  constructor(private readonly db: DataSource) {}

  @OnComponentEvent({ infoType: 'wxa_nickname_audit' }, { critical: true })
  async critical(ctx: ComponentEventContext): Promise<void> {
    await this.db.query('SELECT $1::bigint', [ctx.eventId]);
    const failed = failuresLeft > 0;
    if (failed) failuresLeft--;
    runs.push({ handler: 'critical', failed });
    if (failed) throw new Error('not now');
  }

  @OnComponentEvent({ infoType: 'wxa_nickname_audit' })
  other(): void {
    runs.push({ handler: 'other', failed: false });
  }
}

@Module({ providers: [PoolHandlers] })
class PoolHandlersModule {}

describe('critical event handlers on a one-connection pool (the embedded database)', () => {
  let stack: TestStack;
  let single: TestPlatform;

  beforeAll(async () => {
    stack = await startStack({ imports: [PoolHandlersModule] });
    single = await stack.startInstance({
      database: { url: stack.db.url, embeddedDir: '', poolSize: 1, runMigrations: false },
    });
  });
  afterAll(() => stack.close());

  it('holds no transaction around the handler, so its own query runs; a retry runs it until it succeeds', async () => {
    failuresLeft = 1;
    const push = signedPush(stack.component, {
      AppId: stack.component.appid,
      CreateTime: Math.floor(Date.now() / 1000),
      InfoType: 'wxa_nickname_audit',
      AuthorizerAppid: 'wxpool0000000001',
      ret: 3,
    });
    const first = await postPush(single.url, stack.component.appid, push);
    expect(first.status).toBe(503);
    expect(await postPush(single.url, stack.component.appid, push)).toEqual({
      status: 200,
      body: 'success',
    });
    expect(await postPush(single.url, stack.component.appid, push)).toEqual({
      status: 200,
      body: 'success',
    });
    await eventually(async () => runs.some((r) => r.handler === 'other'));
    expect(runs).toEqual([
      { handler: 'critical', failed: true },
      { handler: 'critical', failed: false },
      { handler: 'other', failed: false },
    ]);
  });
});
