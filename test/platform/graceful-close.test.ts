import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startStack, TestStack } from '../support/stack.js';

/**
 * WeChat keeps its connections alive. One that is busy with a push when the platform starts to
 * close is not idle, so closing leaves it open; kept alive after its answer for Fastify's 72 s
 * keep-alive timeout, it held a SIGTERM (and a test's teardown) that long.
 */
describe('closing the platform', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ platform: { schedulers: false } });
  });
  afterAll(() => stack?.close());

  it('answers a request in flight on a kept-alive connection, then closes without waiting out the keep-alive', async () => {
    const instance = await stack.startInstance({ instanceId: 'closing', schedulers: false });
    const server = instance.app.getHttpAdapter().getInstance().server;
    const agent = new Agent({ keepAlive: true });
    const body =
      '<xml><ToUserName><![CDATA[x]]></ToUserName><Encrypt><![CDATA[AAAA]]></Encrypt></xml>';
    const url = new URL(
      `/wechat/${stack.component.appid}/events?timestamp=1&nonce=n&signature=s&msg_signature=m`,
      instance.url,
    );
    const received = new Promise<void>((resolve) => server.once('request', () => resolve()));
    let status: number | undefined;
    const answered = new Promise<void>((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          status = res.statusCode;
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      // Half the body now: the connection is busy when the close begins.
      req.write(body.slice(0, 10));
      void eventually(async () => !server.listening, 20_000).then(() => req.end(body.slice(10)));
    });
    await received;
    const started = Date.now();
    await instance.stop();
    const closeMs = Date.now() - started;
    await answered;
    agent.destroy();
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    // The keep-alive timeout is 72 s; a close that waited for it would take over a minute.
    expect(closeMs).toBeLessThan(30_000);
  }, 120_000);
});
