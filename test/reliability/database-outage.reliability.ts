import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthorizerTokenListener, AuthorizerTokenService } from '@app/wechat-open';
import { SecretBox } from '../../libs/wechat-open/src/core/secret-box.js';
import { authorizeAccount } from '../support/accounts.js';
import { until } from '../support/reliability-processes.js';
import { startStack, TestPlatform, TestStack } from '../support/stack.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { SCALE, summary } from './scale.js';

const OUTAGE_SEC = SCALE === 'full' ? 30 : 10;
const ACCOUNTS = SCALE === 'full' ? 40 : 8;
/** A ticket push every this often while the database is away. */
const PUSH_EVERY_MS = 2_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One platform instance reaches PostgreSQL through a loopback TCP proxy, which the scenario cuts
 * (open connections closed, new ones refused) for OUTAGE_SEC, never touching the shared server.
 * A second instance, connected directly, makes a change after the recovery that only a working
 * LISTEN brings to the first.
 */
describe(`database unavailable for ${OUTAGE_SEC} s`, () => {
  let stack: TestStack;
  let proxy: TcpProxy;
  let cut: TestPlatform;
  let appids: string[];
  let box: SecretBox;
  let db: Client;

  beforeAll(async () => {
    stack = await startStack({
      sandboxSettings: { authorizerTokenTtlSec: 3600, pushTimeoutMs: 3000, pushAttempts: 3 },
    });
    const server = new URL(stack.db.url);
    proxy = new TcpProxy(server.hostname, Number(server.port || 5432));
    await proxy.start();
    cut = await stack.startInstance({
      instanceId: 'behind-proxy',
      database: {
        url: proxy.wrap(stack.db.url),
        embeddedDir: '',
        poolSize: 5,
        runMigrations: false,
      },
    });
    // WeChat pushes to the instance behind the proxy from now on.
    await stack.sandbox.addComponent({
      ...stack.component,
      eventUrl: `${cut.url}/wechat/${stack.component.appid}/events`,
    });
    appids = [];
    for (let i = 0; i < ACCOUNTS; i++)
      appids.push((await authorizeAccount(stack, 'official_account', undefined, cut)).appid);
    db = new Client(stack.db.url);
    await db.connect();
    box = new SecretBox([{ kid: 't1', key: Buffer.alloc(32, 7) }]);
  }, 300_000);

  afterAll(async () => {
    await db?.end();
    await proxy?.start().catch(() => undefined);
    await stack?.close();
    await proxy?.stop();
  });

  it('pushes are refused while it is away and all stored after, LISTEN recovers, cached tokens serve throughout', async ({
    skip,
  }) => {
    if (stack.db.kind !== 'real') return skip('needs a real PostgreSQL behind the proxy');
    const started = Date.now();
    const tokens = cut.get(AuthorizerTokenService);
    const listener = cut.get(AuthorizerTokenListener);
    await until('LISTEN in place', async () => listener.state() === 'listening', 30_000);
    const before = new Map<string, string>();
    for (const a of appids) before.set(a, await tokens.getAuthorizerAccessToken(a));

    const pushTicket = async (ticket: string, createTime: number) =>
      (
        await stack.sandbox.pushEvent(stack.component.appid, 'component_verify_ticket', {
          ComponentVerifyTicket: ticket,
          CreateTime: createTime,
        })
      ).push.outcome;

    // The outage.
    await proxy.stop();
    const outageEnds = Date.now() + OUTAGE_SEC * 1000;
    const pushed: { ticket: string; createTime: number }[] = [];
    let acceptedWhileDown = 0;
    let reads = 0;
    let readFailures = 0;
    let lastPush = 0;
    while (Date.now() < outageEnds) {
      if (Date.now() - lastPush >= PUSH_EVERY_MS) {
        lastPush = Date.now();
        const push = {
          ticket: `ticket@@@${randomBytes(24).toString('base64url')}`,
          createTime: Math.floor(Date.now() / 1000),
        };
        pushed.push(push);
        if ((await pushTicket(push.ticket, push.createTime)) === 'delivered') acceptedWhileDown++;
      }
      for (const a of appids) {
        reads++;
        const token = await tokens.getAuthorizerAccessToken(a).catch(() => null);
        if (token !== before.get(a)) readFailures++;
      }
      await sleep(250);
    }
    const listenWhileDown = listener.state();

    // Back.
    await proxy.start();
    const back = Date.now();
    // WeChat retries (here, the test retries each refused push, as WeChat would, unchanged).
    let retries = 0;
    for (const push of pushed) {
      await until(
        `ticket pushed at ${push.createTime} delivered`,
        async () => {
          retries++;
          return (await pushTicket(push.ticket, push.createTime)) === 'delivered';
        },
        60_000,
      );
    }
    const { rows: logged } = await db.query<{ n: number }>(
      `SELECT count(DISTINCT create_time)::int n FROM wechat_event_log
          WHERE component_appid = $1 AND info_type = 'component_verify_ticket'
            AND create_time = ANY($2::timestamptz[])`,
      [stack.component.appid, pushed.map((p) => new Date(p.createTime * 1000))],
    );
    const newest = pushed.reduce((a, b) => (b.createTime >= a.createTime ? b : a));
    const { rows: stored } = await db.query<{ ticket_ciphertext: string }>(
      `SELECT ticket_ciphertext FROM component_verify_ticket WHERE component_appid = $1`,
      [stack.component.appid],
    );
    const newestStored = box.open(stored[0].ticket_ciphertext) === newest.ticket;
    const ticketsLost = pushed.length - logged[0].n;

    // LISTEN again without a restart, and a change made elsewhere reaches this instance by it.
    await until('LISTEN back', async () => listener.state() === 'listening', 90_000);
    const listenBackSec = (Date.now() - back) / 1000;
    const probe = appids[0];
    const cachedOld = await tokens.getAuthorizerAccessToken(probe);
    const renewed = await stack.platform.get(AuthorizerTokenService).rejectToken(probe, cachedOld);
    // Copies are trusted for minutes while LISTEN holds: only the NOTIFY can bring this.
    const notified = await until(
      'the change NOTIFYed to the instance behind the proxy',
      async () => (await tokens.getAuthorizerAccessToken(probe)) === renewed.token,
      5_000,
    ).catch(() => false);

    summary('database-outage', {
      outageSec: OUTAGE_SEC,
      accounts: appids.length,
      pushesWhileDown: pushed.length,
      acceptedWhileDown,
      pushRetriesAfter: retries,
      ticketsLost,
      newestTicketStored: String(newestStored),
      cachedReads: reads,
      cachedReadFailures: readFailures,
      listenWhileDown,
      listenBackSec: listenBackSec.toFixed(1),
      notifyAfterRecovery: String(Boolean(notified)),
      totalSec: ((Date.now() - started) / 1000).toFixed(1),
    });
    expect(pushed.length).toBeGreaterThan(0);
    expect(acceptedWhileDown).toBe(0);
    expect(ticketsLost).toBe(0);
    expect(newestStored).toBe(true);
    expect(readFailures).toBe(0);
    expect(renewed.token).not.toBe(cachedOld);
    expect(notified).toBe(true);
  }, 600_000);
});
