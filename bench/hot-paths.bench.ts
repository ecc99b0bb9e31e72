import { Agent, Dispatcher, request } from 'undici';
import { AuthorizerTokenService } from '@app/wechat-open';
import { authorizeAccount } from '../test/support/accounts.js';
import { signedPush } from '../test/support/push.js';
import { startStack } from '../test/support/stack.js';
import { inPool, line } from './bench-util.js';

/**
 * The hot paths, each as a ratio against a baseline measured in the same run:
 * token reads from the in-process cache against the database path, and the event URL (verify,
 * decrypt, log, store a ticket) against a bare route of the same server.
 */
export async function benchHotPaths(): Promise<Record<string, number>> {
  const stack = await startStack({ platform: { schedulers: false } });
  try {
    const accounts = [];
    for (let i = 0; i < 20; i++) accounts.push(await authorizeAccount(stack));
    const tokens = stack.platform.get(AuthorizerTokenService);
    const component = stack.component.appid;

    // Database path: drop the cached copy before every read (the copy NOTIFY would drop).
    const dbReads = 2_000;
    let t = performance.now();
    for (let i = 0; i < dbReads; i++) {
      const a = accounts[i % accounts.length].appid;
      tokens.onTokenChanged(component, a, null);
      await tokens.getAuthorizerAccessToken(a, component);
    }
    const dbUs = ((performance.now() - t) * 1000) / dbReads;
    const cacheReads = 200_000;
    t = performance.now();
    for (let i = 0; i < cacheReads; i++)
      await tokens.getAuthorizerAccessToken(accounts[i % accounts.length].appid, component);
    const cacheUs = ((performance.now() - t) * 1000) / cacheReads;
    process.stdout.write('hot paths\n');
    line('getAuthorizerAccessToken, database path', `${dbUs.toFixed(1)} µs/read`);
    line(
      'getAuthorizerAccessToken, in-process cache',
      `${cacheUs.toFixed(2)} µs/read (${(dbUs / cacheUs).toFixed(0)}x faster)`,
    );

    // Event URL against a bare route, same server, same client loop.
    const requests = 3_000;
    const now = Math.floor(Date.now() / 1000);
    const pushes = Array.from({ length: requests }, (_, i) =>
      signedPush(stack.component, {
        AppId: component,
        CreateTime: now + i,
        InfoType: 'component_verify_ticket',
        ComponentVerifyTicket: `ticket@@@bench-${i}`,
      }),
    );
    const agent = new Agent({ connections: 20 });
    const rate = async (send: (i: number) => Promise<Dispatcher.ResponseData>) => {
      const start = performance.now();
      await inPool(pushes, 20, async (_, i) => {
        const res = await send(i);
        if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
        await res.body.text();
      });
      return requests / ((performance.now() - start) / 1000);
    };
    const base = stack.platform.url;
    const bare = await rate(() => request(`${base}/health/live`, { dispatcher: agent }));
    const events = await rate((i) =>
      request(`${base}/wechat/${component}/events?${pushes[i].query}`, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'text/xml' },
        body: pushes[i].body,
      }),
    );
    await agent.close();
    line('bare route GET /health/live (baseline)', `${bare.toFixed(0)} req/s`);
    line(
      'event URL, ticket push (verify+decrypt+log+store)',
      `${events.toFixed(0)} req/s (${((events / bare) * 100).toFixed(0)}% of baseline)`,
    );
    return { dbUs, cacheUs, cacheSpeedup: dbUs / cacheUs, bareRps: bare, eventRps: events };
  } finally {
    await stack.close();
  }
}
