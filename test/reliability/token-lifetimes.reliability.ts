import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthorizerTokenService } from '@app/wechat-open';
import { authorizeAccount } from '../support/accounts.js';
import { startStack, TestPlatform, TestStack } from '../support/stack.js';
import { SIZES, summary } from './scale.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const HTTP_TIMEOUT_MS = 1000;

/** Refusals that are the platform's fault (the sandbox's own invalidations aside). */
const ourFaults = (c: { invalidTokensPresented: { reason: string }[] }) =>
  c.invalidTokensPresented.filter((t) => ['expired', 'superseded', 'unknown'].includes(t.reason))
    .length;

/** Runs `work` over `items` with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, work: (item: T, i: number) => Promise<void>) {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i], i);
    }
  });
  await Promise.all(lanes);
}

interface LifetimeCounts {
  presented: number;
  callErrors: number;
  invalidPresented: number;
  lapsedAccounts: number;
  lapseSamples: number;
  refreshCalls: number;
  perTokenPerLifetimeAvg: number;
  perTokenPerLifetimeMax: number;
}

describe(`token lifetimes: 3 instances, ${SIZES.authorizers} authorizers, ${SIZES.tokenTtlSec} s tokens`, () => {
  let stack: TestStack;
  let instances: TestPlatform[];
  let appids: string[];
  let db: Client;
  let real = true;

  beforeAll(async () => {
    stack = await startStack({
      sandboxSettings: {
        authorizerTokenTtlSec: SIZES.tokenTtlSec,
        // Short next to the lifetime, as WeChat's 5 minutes are next to 2 hours: a token we
        // lost track of (an answer that came after we gave up) dies within the run.
        tokenGraceSec: Math.max(2, Math.round(SIZES.tokenTtlSec / 3)),
        apiDailyLimit: 10_000_000,
      },
      platform: { minTokenRemainingSec: 1, httpTimeoutMs: HTTP_TIMEOUT_MS },
    });
    real = stack.db.kind === 'real';
    if (!real) return;
    instances = [
      stack.platform,
      await stack.startInstance({ instanceId: 'second' }),
      await stack.startInstance({ instanceId: 'third' }),
    ];
    appids = [];
    await pool(
      Array.from({ length: SIZES.authorizers }, (_, i) => i),
      12,
      async () => {
        appids.push((await authorizeAccount(stack)).appid);
      },
    );
    db = new Client(stack.db.url);
    await db.connect();
  }, 600_000);

  afterAll(async () => {
    await db?.end();
    await stack?.close();
  });

  /**
   * Uses every account's token round after round, spread over the three instances, for
   * `SIZES.lifetimes` token lifetimes, while sampling the stored tokens for lapses.
   */
  async function watch(): Promise<LifetimeCounts> {
    await stack.sandbox.resetCounters();
    const durationMs = SIZES.lifetimes * SIZES.tokenTtlSec * 1000;
    const started = Date.now();
    const deadline = started + durationMs;
    const lapsed = new Set<string>();
    let lapseSamples = 0;
    let presented = 0;
    let callErrors = 0;
    const sampler = (async () => {
      while (Date.now() < deadline) {
        // A lapse: an account whose stored token is dead while it is authorized.
        const { rows } = await db.query<{ authorizer_appid: string }>(
          `SELECT t.authorizer_appid FROM authorizer_token t
             JOIN authorizer a USING (component_appid, authorizer_appid)
            WHERE a.status = 'authorized' AND t.expires_at <= now()`,
        );
        lapseSamples += rows.length;
        for (const r of rows) lapsed.add(r.authorizer_appid);
        await sleep(250);
      }
    })();
    while (Date.now() < deadline) {
      await pool(appids, 16, async (appid, i) => {
        if (Date.now() >= deadline) return;
        const tokens = instances[i % instances.length].get(AuthorizerTokenService);
        presented++;
        try {
          const answer = await tokens.call(appid, '/cgi-bin/user/info', {
            query: { openid: 'o-user-1' },
          });
          if ((answer.errcode ?? 0) !== 0) callErrors++;
        } catch {
          callErrors++;
        }
      });
    }
    await sampler;
    const elapsedSec = (Date.now() - started) / 1000;
    const c = await stack.sandbox.counters();
    const perAccount = appids.map((a) => c.callsByAccount.api_authorizer_token?.[a] ?? 0);
    const lifetimes = elapsedSec / SIZES.tokenTtlSec;
    const refreshCalls = perAccount.reduce((s, n) => s + n, 0);
    return {
      presented,
      callErrors,
      invalidPresented: ourFaults(c),
      lapsedAccounts: lapsed.size,
      lapseSamples,
      refreshCalls,
      perTokenPerLifetimeAvg: Number((refreshCalls / appids.length / lifetimes).toFixed(2)),
      perTokenPerLifetimeMax: Number((Math.max(...perAccount) / lifetimes).toFixed(2)),
    };
  }

  it('no faults: never presented expired or invalid, about one refresh per lifetime, no lapse', async ({
    skip,
  }) => {
    if (!real) skip('needs a real PostgreSQL with several connections');
    const counts = await watch();
    summary('lifetimes', { authorizers: appids.length, ...counts });
    expect(counts.presented).toBeGreaterThan(appids.length * 2);
    expect(counts.invalidPresented).toBe(0);
    expect(counts.lapsedAccounts).toBe(0);
    expect(counts.perTokenPerLifetimeMax).toBeLessThanOrEqual(1.5);
    expect(counts.perTokenPerLifetimeAvg).toBeGreaterThanOrEqual(0.9);
  }, 600_000);

  // Opt-in (RELIABILITY_FAULTS=1) until a refused refresh's back-off (30 s doubling, fixed) is
  // bounded by the token's time left, as the unknown-outcome retry already is: at the short
  // lifetimes this suite can afford, one refused refresh outlives the token (a lapse, then the
  // expired token presented).
  it('20 % of calls faulted (-1, HTTP 5xx, answered after the client gave up): no lapse, nothing invalid presented', async ({
    skip,
  }) => {
    if (!real) skip('needs a real PostgreSQL with several connections');
    if (process.env.RELIABILITY_FAULTS !== '1')
      skip('opt-in (RELIABILITY_FAULTS=1): the refused-refresh back-off outlives short tokens');
    // Three faults of p each: 1 - (1 - p)^3 = 0.2 of calls.
    const p = 1 - Math.cbrt(0.8);
    await stack.sandbox.fault({ endpoint: '*', errcode: -1, probability: p });
    await stack.sandbox.fault({ endpoint: '*', httpStatus: 503, probability: p });
    await stack.sandbox.fault({
      endpoint: '*',
      latencyMs: HTTP_TIMEOUT_MS + 500,
      probability: p,
    });
    try {
      const counts = await watch();
      const c = await stack.sandbox.counters();
      const reasons = new Map<string, number>();
      for (const t of c.invalidTokensPresented) {
        const key = `${t.tokenKind}/${t.reason}`;
        reasons.set(key, (reasons.get(key) ?? 0) + 1);
      }
      summary('lifetimes+faults', {
        authorizers: appids.length,
        ...counts,
        faultedMinus1: c.errcodes['-1'] ?? 0,
        invalidByReason: [...reasons].map(([k, n]) => `${k}:${n}`).join(',') || 'none',
      });
      expect(counts.invalidPresented).toBe(0);
      expect(counts.lapsedAccounts).toBe(0);
      expect(counts.callErrors).toBeGreaterThan(0); // the faults did bite
    } finally {
      await stack.sandbox.clearFaults();
    }
  }, 600_000);
});
