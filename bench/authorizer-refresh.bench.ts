import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { AuthorizerRefreshScheduler, ComponentTokenService, SecretBox } from '@app/wechat-open';
import { newAccount } from '../test/support/accounts.js';
import { startStack, TestStack } from '../test/support/stack.js';
import { inPool, line, mb, StatementCounter } from './bench-util.js';
import { startSandboxProcess } from './sandbox-process.js';

const N = Number(process.env.BENCH_AUTHORIZERS ?? 10_000);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 50);
const CONCURRENCY = 50;

/**
 * 10,000 authorizers all due at once, the sandbox answering api_authorizer_token in 50 ms, 50
 * refreshes in flight: the sweep must finish within 1.3 x (N x 50 ms / 50) with at most three
 * database statements per refreshed token.
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
  try {
    process.stdout.write(
      `authorizer refresh sweep: ${N} due, ${LATENCY_MS} ms latency, concurrency ${CONCURRENCY}\n`,
    );
    await seedAuthorizers(stack, N);
    await stack.sandbox.fault({ endpoint: 'api_authorizer_token', latencyMs: LATENCY_MS });
    await stack.sandbox.resetCounters();
    const scheduler = stack.platform.get(AuthorizerRefreshScheduler);
    const counter = new StatementCounter().install();
    const cpuBefore = process.cpuUsage();
    const sandboxCpuBefore = cpuSeconds(sandbox.pid);
    const started = performance.now();
    const result = await scheduler.sweep();
    const seconds = (performance.now() - started) / 1000;
    const platformCpu = process.cpuUsage(cpuBefore);
    const sandboxCpu = cpuSeconds(sandbox.pid) - sandboxCpuBefore;
    counter.uninstall();
    const ideal = (N * LATENCY_MS) / CONCURRENCY / 1000;
    const counters = await stack.sandbox.counters();
    const mem = process.memoryUsage();
    line(
      'refreshed (ok)',
      `${result.ok} of ${N} (claimed ${result.claimed} in ${result.claimQueries} claims)`,
    );
    line(
      'api_authorizer_token calls seen by the sandbox',
      String(counters.calls.api_authorizer_token),
    );
    line(
      'sweep time',
      `${seconds.toFixed(2)} s (ideal ${ideal.toFixed(1)} s, limit ${(ideal * 1.3).toFixed(1)} s, ratio ${(seconds / ideal).toFixed(2)})`,
    );
    line('database statements per refreshed token', (counter.count / result.ok).toFixed(3));
    line(
      'CPU during the sweep (2 cores shared)',
      `platform ${((platformCpu.user + platformCpu.system) / 1e6).toFixed(1)} s, sandbox ${sandboxCpu.toFixed(1)} s, ` +
        'PostgreSQL the rest',
    );
    line(
      'bench process memory after the sweep',
      `rss ${mb(mem.rss)}, heap ${mb(mem.heapUsed)} (platform + harness; see "memory" for the platform alone)`,
    );
    return {
      seconds,
      ideal,
      statementsPerToken: counter.count / result.ok,
      ok: result.ok,
      rssMb: mem.rss / 1048576,
    };
  } finally {
    await stack.close();
    await sandbox.stop();
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
async function seedAuthorizers(stack: TestStack, n: number): Promise<void> {
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
  const box = stack.platform.get(SecretBox);
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
}
