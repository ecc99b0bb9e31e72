import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Module } from '@nestjs/common';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComponentEventContext, ComponentEventService, OnComponentEvent } from '@app/wechat-open';
import { postPush, signedPush } from '../support/push.js';
import { eventually, startStack, TestPlatform, TestStack } from '../support/stack.js';

/** Every handler run, in order, with whether it threw. */
const runs: { handler: string; eventId: string; failed: boolean }[] = [];
/** How many more times the second critical handler throws. */
let failuresLeft = 0;
/** How long the first critical handler takes. */
let slowMs = 0;

/** A host with two critical handlers (one writing through ctx.manager) and a normal one. */
@Injectable()
class CriticalHandlers {
  @OnComponentEvent({ infoType: 'notify_3rd_wxa_auth' }, { critical: true })
  async recordFirst(ctx: ComponentEventContext): Promise<void> {
    if (slowMs > 0) await sleep(slowMs);
    // The host's own table, written in the transaction that records this handler's success.
    await ctx.manager!.query('INSERT INTO host_event_copy (event_id, info_type) VALUES ($1, $2)', [
      ctx.eventId,
      ctx.infoType,
    ]);
    runs.push({ handler: 'recordFirst', eventId: ctx.eventId, failed: false });
  }

  @OnComponentEvent({ infoType: 'notify_3rd_wxa_auth' }, { critical: true })
  failSecond(ctx: ComponentEventContext): void {
    const failed = failuresLeft > 0;
    if (failed) failuresLeft--;
    runs.push({ handler: 'failSecond', eventId: ctx.eventId, failed });
    if (failed) throw new Error(`cannot queue ${JSON.stringify(ctx.fields)}`);
  }

  @OnComponentEvent({ infoType: 'notify_3rd_wxa_auth' })
  notify(ctx: ComponentEventContext): void {
    runs.push({ handler: 'notify', eventId: ctx.eventId, failed: false });
  }

  @OnComponentEvent({ infoType: 'notify_3rd_wxa_wxverify' })
  async slowNotice(ctx: ComponentEventContext): Promise<void> {
    await sleep(500);
    runs.push({ handler: 'slowNotice', eventId: ctx.eventId, failed: false });
  }
}

@Module({ providers: [CriticalHandlers] })
class CriticalHandlersModule {}

const runsOf = (handler: string, eventId?: string) =>
  runs.filter((r) => r.handler === handler && (eventId === undefined || r.eventId === eventId));

describe('critical component event handlers', () => {
  let stack: TestStack;
  let second: TestPlatform;
  let db: Client;
  let taskSeq = 0;
  const fields = () => ({
    appid: 'wxcritical000001',
    taskid: `task-${++taskSeq}`,
    task_status: 9,
  });
  const eventIdOf = async (taskid: string) => {
    const { rows } = await db.query<{ id: string }>(
      "SELECT id::text FROM wechat_event_log WHERE payload->>'taskid' = $1",
      [taskid],
    );
    return rows.map((r) => r.id);
  };
  const copies = async (eventId: string) =>
    (
      await db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM host_event_copy WHERE event_id = $1',
        [eventId],
      )
    ).rows[0].n;

  beforeAll(async () => {
    stack = await startStack({ imports: [CriticalHandlersModule] });
    second = await stack.startInstance();
    db = new Client(stack.db.url);
    await db.connect();
    await db.query('CREATE TABLE host_event_copy (event_id bigint NOT NULL, info_type text)');
  });
  afterAll(async () => {
    await db.end();
    await stack.close();
  });

  it("fails the push when one fails; WeChat's retry runs only what did not succeed, then the others once", async () => {
    failuresLeft = 1;
    const f = fields();
    const result = await stack.sandbox.pushEvent(stack.component.appid, 'notify_3rd_wxa_auth', f);
    // The first attempt was answered 503, the sandbox's (WeChat's) second one success.
    expect(result).toMatchObject({ pushed: true, push: { outcome: 'delivered', attempts: 2 } });

    const [eventId] = await eventIdOf(f.taskid);
    expect(await eventIdOf(f.taskid)).toHaveLength(1);
    await eventually(async () => runsOf('notify', eventId).length === 1);
    expect(runsOf('recordFirst', eventId)).toHaveLength(1);
    expect(runsOf('failSecond', eventId).map((r) => r.failed)).toEqual([true, false]);
    // The normal handler ran after the push succeeded, once.
    await sleep(200);
    expect(runsOf('notify', eventId)).toHaveLength(1);
    expect(await copies(eventId)).toBe(1);
    const { rows } = await db.query<{ handler: string; critical: boolean }>(
      // The platform's own handlers (tenant forwarding) are in the app too: only this host's.
      "SELECT handler, critical FROM wechat_event_dispatch WHERE event_id = $1 AND handler LIKE 'CriticalHandlers.%' ORDER BY handler",
      [eventId],
    );
    expect(rows).toEqual([
      { handler: 'CriticalHandlers.failSecond', critical: true },
      { handler: 'CriticalHandlers.notify', critical: false },
      { handler: 'CriticalHandlers.recordFirst', critical: true },
    ]);
  });

  it('answers 503 EVENT_HANDLER_FAILED while it fails, runs nothing else, and finishes on a later retry', async () => {
    failuresLeft = 100;
    const f = fields();
    const result = await stack.sandbox.pushEvent(stack.component.appid, 'notify_3rd_wxa_auth', f);
    expect(result).toMatchObject({
      pushed: false,
      push: { outcome: 'failed', attempts: 3, lastStatus: 503 },
    });
    // Stored once (the push was valid), the first critical handler done once, no normal run.
    const [eventId] = await eventIdOf(f.taskid);
    expect(runsOf('recordFirst', eventId)).toHaveLength(1);
    expect(runsOf('failSecond', eventId)).toHaveLength(3);
    await sleep(200);
    expect(runsOf('notify', eventId)).toEqual([]);

    // The same push again (as WeChat retries it, to either instance) once the host recovers.
    failuresLeft = 0;
    const push = signedPush(stack.component, {
      AppId: stack.component.appid,
      // Not the sandbox's push of a moment ago: another CreateTime.
      CreateTime: Math.floor(Date.now() / 1000) + 2,
      InfoType: 'notify_3rd_wxa_auth',
      ...f,
    });
    const failing = { ...push };
    failuresLeft = 1;
    const refused = await postPush(second.url, stack.component.appid, failing);
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'EVENT_HANDLER_FAILED' });
    // The handler's message may quote the content: it is not in the answer.
    expect(refused.body).not.toContain('wxcritical');
    const retried = await postPush(second.url, stack.component.appid, push);
    expect(retried).toEqual({ status: 200, body: 'success' });
    const again = await postPush(stack.platform.url, stack.component.appid, push);
    expect(again).toEqual({ status: 200, body: 'success' });

    const [other] = (await eventIdOf(f.taskid)).filter((id) => id !== eventId);
    await eventually(async () => runsOf('notify', other).length === 1);
    expect(runsOf('recordFirst', other)).toHaveLength(1);
    expect(runsOf('failSecond', other).map((r) => r.failed)).toEqual([true, false]);
    await sleep(200);
    expect(runsOf('notify', other)).toHaveLength(1);
    expect(await copies(other)).toBe(1);
  });

  it('runs a critical handler once when two instances get the same push at the same time', async () => {
    slowMs = 300;
    const f = fields();
    const push = signedPush(stack.component, {
      AppId: stack.component.appid,
      CreateTime: Math.floor(Date.now() / 1000),
      InfoType: 'notify_3rd_wxa_auth',
      ...f,
    });
    const answers = await Promise.all([
      postPush(stack.platform.url, stack.component.appid, push),
      postPush(second.url, stack.component.appid, push),
      postPush(second.url, stack.component.appid, push),
    ]);
    slowMs = 0;
    expect(answers).toEqual(Array(3).fill({ status: 200, body: 'success' }));
    const ids = await eventIdOf(f.taskid);
    expect(ids).toHaveLength(1);
    await eventually(async () => runsOf('notify', ids[0]).length === 1);
    expect(runsOf('recordFirst', ids[0])).toHaveLength(1);
    expect(runsOf('failSecond', ids[0])).toHaveLength(1);
    await sleep(200);
    expect(runsOf('notify', ids[0])).toHaveLength(1);
    expect(await copies(ids[0])).toBe(1);
  });

  it('answers without waiting for the other handlers, and waits for them when the app shuts down', async () => {
    const third = await stack.startInstance();
    const push = signedPush(stack.component, {
      AppId: stack.component.appid,
      CreateTime: Math.floor(Date.now() / 1000),
      InfoType: 'notify_3rd_wxa_wxverify',
      appid: 'wxslow0000000001',
      expired: 1767196800,
    });
    const started = Date.now();
    expect(await postPush(third.url, stack.component.appid, push)).toEqual({
      status: 200,
      body: 'success',
    });
    expect(Date.now() - started).toBeLessThan(400);
    expect(runsOf('slowNotice')).toEqual([]);
    await third.stop();
    expect(runsOf('slowNotice')).toHaveLength(1);
  });

  it('does not call the handlers again for a replay', async () => {
    const f = fields();
    await stack.sandbox.pushEvent(stack.component.appid, 'notify_3rd_wxa_auth', f);
    const [eventId] = await eventIdOf(f.taskid);
    await eventually(async () => runsOf('notify', eventId).length === 1);
    const before = runs.length;
    const replayed = await stack.platform
      .get(ComponentEventService)
      .replay(stack.component.appid, eventId);
    expect(replayed.infoType).toBe('notify_3rd_wxa_auth');
    await sleep(200);
    expect(runs.length).toBe(before);
  });
});
