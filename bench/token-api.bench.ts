import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import pg from 'pg';
import { ApiKeysService } from '../apps/platform/src/access/api-keys.service.js';
import { TenantsService } from '../apps/platform/src/access/tenants.service.js';
import { authorizeAccount } from '../test/support/accounts.js';
import { startStack } from '../test/support/stack.js';
import { line } from './bench-util.js';
import { startSandboxProcess } from './sandbox-process.js';

/** Seconds per round, rounds per route, and the open connections of the load. */
const ROUND_SEC = 5;
const ROUNDS = 3;
const CONNECTIONS = 16;

interface Round {
  rps: number;
  p99: number;
  errors: number;
}

/**
 * The token route against a bare authenticated route (GET /v1/me) of the same server: both
 * authenticate a service key and pass the rate limiter; the token route adds the scope check,
 * the token read from memory and the audit record (group commit). The load comes from autocannon
 * in a process of its own (loopback), in interleaved rounds of 5 s, so that neither route gets
 * the warmer machine.
 */
export async function benchTokenApi(): Promise<Record<string, number>> {
  const sandbox = await startSandboxProcess();
  const stack = await startStack({
    sandboxUrl: sandbox.url,
    platform: {
      schedulers: false,
      // The limiter runs on both routes; set out of reach so that it only costs, never refuses.
      rateLimits: { adminPerMin: 100_000_000, tokenApiPerMin: 100_000_000 },
    },
  });
  try {
    const account = await authorizeAccount(stack);
    await stack.platform.get(TenantsService).create({ id: 'bench', name: 'Bench' });
    const db = new pg.Client({ connectionString: stack.db.url });
    await db.connect();
    try {
      await db.query(`UPDATE authorizer SET tenant_id = 'bench' WHERE authorizer_appid = $1`, [
        account.appid,
      ]);
    } finally {
      await db.end();
    }
    const { key } = await stack.platform
      .get(ApiKeysService)
      .create({ kind: 'service', name: 'bench', createdBy: 'bench', scopeTenantIds: ['bench'] });
    const base = stack.platform.url;
    const routes = {
      me: `${base}/v1/me`,
      token: `${base}/v1/components/${stack.component.appid}/authorizers/${account.appid}/access-token`,
    };
    for (const url of Object.values(routes)) {
      const res = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
      if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
    }
    // Warm-up (JIT, connections, caches), not counted.
    await load(routes.me, key, 1);
    await load(routes.token, key, 1);
    const results: Record<'me' | 'token', Round[]> = { me: [], token: [] };
    for (let i = 0; i < ROUNDS; i++) {
      results.me.push(await load(routes.me, key, ROUND_SEC));
      results.token.push(await load(routes.token, key, ROUND_SEC));
    }
    const sum = (rounds: Round[], k: keyof Round) => rounds.reduce((s, r) => s + r[k], 0);
    const mean = (rounds: Round[]) => sum(rounds, 'rps') / rounds.length;
    const worstP99 = (rounds: Round[]) => Math.max(...rounds.map((r) => r.p99));
    const me = mean(results.me);
    const token = mean(results.token);
    const ratio = token / me;
    process.stdout.write(
      `token API (autocannon in its own process, ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds of ${ROUND_SEC} s)\n`,
    );
    for (const [label, rounds] of [
      ['GET /v1/me (bare authenticated route)', results.me],
      ['GET …/access-token (service key)', results.token],
    ] as const) {
      line(
        label,
        `${mean(rounds).toFixed(0)} req/s, p99 ${worstP99(rounds)} ms, errors ${sum(rounds, 'errors')}` +
          ` (rounds: ${rounds.map((r) => r.rps.toFixed(0)).join(', ')} req/s)`,
      );
    }
    line('access-token / me', `${ratio.toFixed(2)} (goal >= 0.50)`);
    return {
      meRps: me,
      tokenRps: token,
      meP99Ms: worstP99(results.me),
      tokenP99Ms: worstP99(results.token),
      errors: sum(results.me, 'errors') + sum(results.token, 'errors'),
      ratio,
    };
  } finally {
    await stack.close();
    await sandbox.stop();
  }
}

/** One round of autocannon against `url`, run as its own process; its JSON summary. */
async function load(url: string, key: string, seconds: number): Promise<Round> {
  const cli = createRequire(import.meta.url).resolve('autocannon');
  const child = spawn(
    process.execPath,
    [
      cli,
      '--json',
      '-c',
      String(CONNECTIONS),
      '-d',
      String(seconds),
      '-H',
      `authorization=Bearer ${key}`,
      url,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`autocannon exited with ${code}: ${err}`);
  const r = JSON.parse(out) as {
    requests: { average: number; total: number };
    latency: { p99: number };
    errors: number;
    timeouts: number;
    non2xx: number;
    duration: number;
  };
  return {
    rps: r.requests.total / r.duration,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts + r.non2xx,
  };
}
