import { Client } from 'pg';
import { AuthorizerTokenService } from '@app/wechat-open';
import { authorizeAccount } from './accounts.js';
import { SandboxCounters } from './sandbox-control.js';
import { startStack, TestPlatform, TestStack } from './stack.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The platform's HTTP client timeout in the token-lifetime scenarios. */
export const HTTP_TIMEOUT_MS = 1000;

/** Refusals that are the platform's fault (the sandbox's own invalidations aside). */
export const ourFaults = (c: Pick<SandboxCounters, 'invalidTokensPresented'>) =>
  c.invalidTokensPresented.filter((t) => ['expired', 'superseded', 'unknown'].includes(t.reason))
    .length;

/** Runs `work` over `items` with at most `limit` in flight. */
export async function pool<T>(
  items: T[],
  limit: number,
  work: (item: T, i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i], i);
    }
  });
  await Promise.all(lanes);
}

export interface LifetimeCounts {
  presented: number;
  callErrors: number;
  invalidPresented: number;
  lapsedAccounts: number;
  lapseSamples: number;
  refreshCalls: number;
  perTokenPerLifetimeAvg: number;
  perTokenPerLifetimeMax: number;
}

/** Three platform instances on one database and one sandbox, with authorized accounts. */
export interface LifetimeRig {
  stack: TestStack;
  instances: TestPlatform[];
  appids: string[];
  db: Client;
  close(): Promise<void>;
}

/**
 * Starts the rig: `authorizers` accounts whose tokens live `tokenTtlSec`, and a WeChat grace of
 * a third of that (as WeChat's 5 minutes are next to 2 hours: a token we lost track of, an
 * answer that came after we gave up, dies within the run). Null without a real PostgreSQL.
 */
export async function startLifetimeRig(
  authorizers: number,
  tokenTtlSec: number,
): Promise<LifetimeRig | null> {
  const stack = await startStack({
    sandboxSettings: {
      authorizerTokenTtlSec: tokenTtlSec,
      tokenGraceSec: Math.max(2, Math.round(tokenTtlSec / 3)),
      apiDailyLimit: 10_000_000,
    },
    platform: { minTokenRemainingSec: 1, httpTimeoutMs: HTTP_TIMEOUT_MS },
  });
  if (stack.db.kind !== 'real') {
    await stack.close();
    return null;
  }
  const instances = [
    stack.platform,
    await stack.startInstance({ instanceId: 'second' }),
    await stack.startInstance({ instanceId: 'third' }),
  ];
  const appids: string[] = [];
  await pool(
    Array.from({ length: authorizers }, (_, i) => i),
    12,
    async () => {
      appids.push((await authorizeAccount(stack)).appid);
    },
  );
  const db = new Client(stack.db.url);
  await db.connect();
  return {
    stack,
    instances,
    appids,
    db,
    close: async () => {
      await db.end();
      await stack.close();
    },
  };
}

/**
 * Uses every account's token round after round, spread over the instances, for `lifetimes`
 * token lifetimes of `tokenTtlSec`, while sampling the stored tokens for lapses.
 */
export async function watchLifetimes(
  rig: LifetimeRig,
  tokenTtlSec: number,
  lifetimes: number,
): Promise<LifetimeCounts> {
  const { stack, instances, appids, db } = rig;
  await stack.sandbox.resetCounters();
  const started = Date.now();
  const deadline = started + lifetimes * tokenTtlSec * 1000;
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
  const spanned = elapsedSec / tokenTtlSec;
  const refreshCalls = perAccount.reduce((s, n) => s + n, 0);
  return {
    presented,
    callErrors,
    invalidPresented: ourFaults(c),
    lapsedAccounts: lapsed.size,
    lapseSamples,
    refreshCalls,
    perTokenPerLifetimeAvg: Number((refreshCalls / appids.length / spanned).toFixed(2)),
    perTokenPerLifetimeMax: Number((Math.max(...perAccount) / spanned).toFixed(2)),
  };
}
