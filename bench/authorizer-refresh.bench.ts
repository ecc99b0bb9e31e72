import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import {
  AuthorizerRefreshScheduler,
  ComponentTokenService,
  WechatApiClient,
} from '@app/wechat-open';
// Internal (not in the package's exports): the bench seeds sealed rows with the platform's keys.
import { SECRET_BOX } from '../libs/wechat-open/src/core/internal-tokens.js';
import type { SecretBox } from '../libs/wechat-open/src/core/secret-box.js';
import { newAccount } from '../test/support/accounts.js';
import { startStack, TestStack } from '../test/support/stack.js';
import { inPool, line, mb, StatementCounter } from './bench-util.js';
import { startSandboxProcess } from './sandbox-process.js';
import { UndiciWechatApiClient, WechatApiAdapter } from './support/undici-wechat-client.js';

const N = Number(process.env.BENCH_AUTHORIZERS ?? 10_000);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 50);
const CONCURRENCY = 50;
/** The new adapter's sweep must stay within this ratio to the ideal. */
const RATIO_LIMIT = 1.15;
/** Both adapters, in this order (BENCH_ADAPTERS=axios,undici to swap the order). */
const ADAPTERS = (process.env.BENCH_ADAPTERS ?? 'undici,axios').split(',');
const ALONE_CALLS = Math.min(N, 5000);

interface Seeded {
  appid: string;
  refreshToken: string;
}

/**
 * 10,000 authorizers all due at once, the sandbox answering api_authorizer_token in 50 ms, 50
 * refreshes in flight, swept once through each adapter (the HttpService one the library uses and
 * the former undici one): the sweep must finish within 1.15 x (N x 50 ms / 50) with at most three
 * database statements per refreshed token. Then the adapters alone, for their CPU per call.
 */
export async function benchAuthorizerRefresh(): Promise<Record<string, number>> {
  const sandbox = await startSandboxProcess();
  const stack = await startStack({
    sandboxUrl: sandbox.url,
    sandboxSettings: { authorizedPushTiming: 'none' },
    platform: {
      schedulers: false,
      authorizer: {
        refreshConcurrency: CONCURRENCY,
        refreshRatePerSec: 100_000,
        refreshBatchSize: 200,
      },
    },
  });
  const api = stack.platform.get(WechatApiClient);
  const undici = new UndiciWechatApiClient({
    baseUrl: api.baseUrl,
    timeoutMs: 2000,
    attempts: 3,
    backoffMs: 200,
  });
  try {
    process.stdout.write(
      `authorizer refresh sweep: ${N} due, ${LATENCY_MS} ms latency, concurrency ${CONCURRENCY}; ` +
        `adapters ${ADAPTERS.join(' then ')}\n`,
    );
    const seeded = await seedAuthorizers(stack, N);
    const figures: Record<string, number> = {};
    for (const adapter of ADAPTERS) {
      const restore = adapter === 'undici' ? routeThrough(api, undici) : () => undefined;
      try {
        Object.assign(figures, prefixed(adapter, await sweepOnce(stack, sandbox.pid, adapter)));
      } finally {
        restore();
      }
    }
    for (const adapter of ADAPTERS) {
      const restore = adapter === 'undici' ? routeThrough(api, undici) : () => undefined;
      try {
        Object.assign(
          figures,
          prefixed(adapter, await adapterAlone(stack, api, seeded.slice(0, ALONE_CALLS), adapter)),
        );
      } finally {
        restore();
      }
    }
    return figures;
  } finally {
    await undici.close();
    await stack.close();
    await sandbox.stop();
  }
}

/** Sends the library's calls through `adapter` instead of the HttpService one, until restored. */
function routeThrough(api: WechatApiClient, adapter: WechatApiAdapter): () => void {
  api.request = adapter.request.bind(adapter);
  return () => void Reflect.deleteProperty(api, 'request');
}

function prefixed(prefix: string, figures: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(figures).map(([k, v]) => [`${prefix}.${k}`, v]));
}

/** One sweep of all N, due again, through whichever adapter the client routes to now. */
async function sweepOnce(
  stack: TestStack,
  sandboxPid: number,
  adapter: string,
): Promise<Record<string, number>> {
  await makeAllDue(stack);
  await stack.sandbox.clearFaults();
  await stack.sandbox.fault({ endpoint: 'api_authorizer_token', latencyMs: LATENCY_MS });
  await stack.sandbox.resetCounters();
  const scheduler = stack.platform.get(AuthorizerRefreshScheduler);
  const counter = new StatementCounter().install();
  const cpuBefore = process.cpuUsage();
  const sandboxCpuBefore = cpuSeconds(sandboxPid);
  const started = performance.now();
  const result = await scheduler.sweep();
  const seconds = (performance.now() - started) / 1000;
  const platformCpu = process.cpuUsage(cpuBefore);
  const sandboxCpu = cpuSeconds(sandboxPid) - sandboxCpuBefore;
  counter.uninstall();
  const ideal = (N * LATENCY_MS) / CONCURRENCY / 1000;
  const counters = await stack.sandbox.counters();
  const calls = counters.calls.api_authorizer_token ?? 0;
  const cpuSec = (platformCpu.user + platformCpu.system) / 1e6;
  const mem = process.memoryUsage();
  process.stdout.write(`  [${adapter}]\n`);
  line(
    'refreshed (ok)',
    `${result.ok} of ${N} (claimed ${result.claimed} in ${result.claimQueries} claims)`,
  );
  line('api_authorizer_token calls seen by the sandbox', String(calls));
  line(
    'sweep time',
    `${seconds.toFixed(2)} s (ideal ${ideal.toFixed(1)} s, limit ${(ideal * RATIO_LIMIT).toFixed(1)} s, ratio ${(seconds / ideal).toFixed(2)})`,
  );
  line('database statements per refreshed token', (counter.count / result.ok).toFixed(3));
  line(
    'CPU during the sweep (2 cores shared)',
    `platform ${cpuSec.toFixed(1)} s, sandbox ${sandboxCpu.toFixed(1)} s, PostgreSQL the rest`,
  );
  line(
    'platform CPU per call (whole sweep / calls)',
    `${((cpuSec * 1e6) / calls).toFixed(0)} µs (database, crypto and scheduling included)`,
  );
  line(
    'bench process memory after the sweep',
    `rss ${mb(mem.rss)}, heap ${mb(mem.heapUsed)} (platform + harness; see "memory" for the platform alone)`,
  );
  return {
    seconds,
    ideal,
    ratio: seconds / ideal,
    cpuPerCallUs: (cpuSec * 1e6) / calls,
    statementsPerToken: counter.count / result.ok,
    ok: result.ok,
    rssMb: mem.rss / 1048576,
  };
}

/**
 * The adapter alone: api_authorizer_token straight through the client (no database, no crypto),
 * 50 in flight, no added latency; the process's CPU per call is then the adapter's own cost
 * (plus the loop driving it, the same for both).
 */
async function adapterAlone(
  stack: TestStack,
  api: WechatApiClient,
  accounts: Seeded[],
  adapter: string,
): Promise<Record<string, number>> {
  await stack.sandbox.clearFaults();
  const component = stack.component.appid;
  const token = await stack.platform.get(ComponentTokenService).getComponentAccessToken(component);
  const call = (a: Seeded) =>
    api.request('/cgi-bin/component/api_authorizer_token', {
      query: { component_access_token: token },
      body: {
        component_appid: component,
        authorizer_appid: a.appid,
        authorizer_refresh_token: a.refreshToken,
      },
      issuesToken: true,
    });
  await inPool(accounts.slice(0, 200), CONCURRENCY, async (a) => void (await call(a))); // warm-up
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await inPool(accounts, CONCURRENCY, async (a) => void (await call(a)));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const perCallUs = (cpu.user + cpu.system) / accounts.length;
  line(
    `[${adapter}] adapter alone: CPU per call`,
    `${perCallUs.toFixed(0)} µs (${accounts.length} calls, 50 in flight, ${seconds.toFixed(1)} s)`,
  );
  return { aloneCpuPerCallUs: perCallUs };
}

/** Every seeded token due now and unleased (before each sweep). */
async function makeAllDue(stack: TestStack): Promise<void> {
  const db = new Client(stack.db.url);
  await db.connect();
  try {
    await db.query(
      `UPDATE authorizer_token SET next_refresh_at = now() - interval '1 second',
         lease_owner = NULL, lease_until = NULL`,
    );
  } finally {
    await db.end();
  }
}

/** CPU seconds (user + system) a process has used, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** Authorizes N fake accounts in the sandbox and registers them due now (setup, not measured). */
async function seedAuthorizers(stack: TestStack, n: number): Promise<Seeded[]> {
  const t0 = performance.now();
  const component = stack.component.appid;
  await inPool(
    Array.from({ length: n }, (_, i) => i),
    50,
    async () => {
      const account = newAccount();
      await stack.sandbox.addAccount(account);
      await stack.sandbox.authorize(component, account.appid);
    },
  );
  const tokens = stack.platform.get(ComponentTokenService);
  const appids: string[] = [];
  const refreshTokens: string[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = await tokens.post(component, '/cgi-bin/component/api_get_authorizer_list', {
      component_appid: component,
      offset,
      count: 500,
    });
    const list = page.list as { authorizer_appid: string; refresh_token: string }[];
    for (const item of list) {
      appids.push(item.authorizer_appid);
      refreshTokens.push(item.refresh_token);
    }
    if (list.length < 500) break;
  }
  const box = stack.platform.app.get<SecretBox>(SECRET_BOX, { strict: false });
  const db = new Client(stack.db.url);
  await db.connect();
  try {
    await db.query(
      `INSERT INTO authorizer (component_appid, authorizer_appid, status, updated_at, authorized_at)
       SELECT $1, a, 'authorized', now(), now() FROM unnest($2::text[]) AS a`,
      [component, appids],
    );
    await db.query(
      `INSERT INTO authorizer_token (component_appid, authorizer_appid, refresh_token_ciphertext, next_refresh_at, version)
       SELECT $1, a, r, now() - interval '1 second', 1 FROM unnest($2::text[], $3::text[]) AS t(a, r)`,
      [component, appids, refreshTokens.map((r) => box.seal(r))],
    );
  } finally {
    await db.end();
  }
  line(
    'setup (not measured)',
    `${appids.length} authorizers in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  return appids.map((appid, i) => ({ appid, refreshToken: refreshTokens[i] }));
}
