import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WechatOpenEventMap, WechatOpenEvents } from '@app/wechat-open';
// Internal (not in the package's exports): reached by class in the app's container, as tests may.
import { JOB_QUEUE } from '../../libs/wechat-open/src/core/internal-tokens.js';
import type { JobQueue } from '../../libs/wechat-open/src/jobs/job-queue.service.js';
import { postPush, signedPush } from '../support/push.js';
import { eventually, startStack, TestStack } from '../support/stack.js';

type JobFailed = WechatOpenEventMap['job_failed'];

describe('jobs that fail for good', () => {
  let stack: TestStack;
  const failed: JobFailed[] = [];

  beforeAll(async () => {
    stack = await startStack({ platform: { schedulers: false } });
    stack.platform.get(WechatOpenEvents).on('job_failed', (e) => {
      failed.push(e);
    });
  });
  afterAll(() => stack.close());

  const scrape = async () => (await fetch(`${stack.platform.url}/metrics`)).text();
  const health = async () => {
    const res = await fetch(`${stack.platform.url}/health`);
    return {
      status: res.status,
      body: (await res.json()) as { status: string; details: Record<string, unknown> },
    };
  };

  it('are announced as job_failed, counted by kind in wechat_jobs_failed_total and shown on /health without making the instance unready', async () => {
    expect((await health()).body.details.jobs).toEqual({ status: 'up', failed: 0 });

    // A code WeChat does not know (61009) for no named account: nothing can redeem it.
    const push = signedPush(stack.component, {
      AppId: stack.component.appid,
      CreateTime: Math.floor(Date.now() / 1000),
      InfoType: 'authorized',
      AuthorizationCode: 'queryauthcode@@@never-issued',
      AuthorizationCodeExpiredTime: Math.floor(Date.now() / 1000) + 600,
    });
    expect(await postPush(stack.platform.url, stack.component.appid, push)).toEqual({
      status: 200,
      body: 'success',
    });
    await eventually(async () => failed.length === 1);
    expect(failed[0]).toMatchObject({
      kind: 'authorizer.redeem',
      componentAppid: stack.component.appid,
      attempts: 1,
    });
    expect(failed[0].reason).toMatch(/^JOB_PERMANENT_FAILURE: the code is invalid/);
    expect(failed[0].reason).not.toContain('never-issued');

    // A job of a kind nothing handles (left by an older version, say) is counted as `unknown`.
    await stack.platform.app
      .get<JobQueue>(JOB_QUEUE, { strict: false })
      .enqueue('retired.kind', stack.component.appid, 'one', { any: 'thing' });
    await eventually(async () => failed.length === 2);
    expect(failed[1].kind).toBe('retired.kind');

    const metrics = await scrape();
    expect(metrics).toContain('wechat_jobs_failed_total{kind="authorizer.redeem"} 1');
    expect(metrics).toContain('wechat_jobs_failed_total{kind="unknown"} 1');
    expect(metrics).not.toContain('retired.kind');

    const after = await health();
    expect(after.status).toBe(200);
    expect(after.body.status).toBe('ok');
    expect(after.body.details.jobs).toEqual({ status: 'up', failed: 2 });
  });
});
