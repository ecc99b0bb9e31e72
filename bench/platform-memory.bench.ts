import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client } from 'pg';
import { newAccount } from '../test/support/accounts.js';
import { createTestDatabase } from '../test/support/database.js';
import { SandboxControl } from '../test/support/sandbox-control.js';
import { freePort, newComponent } from '../test/support/stack.js';
import { inPool, line } from './bench-util.js';
import { startSandboxProcess } from './sandbox-process.js';
import { writeResult } from './support/push-load.js';

/** Registered in all (BENCH_MEMORY_REGISTERED=100000 for the shorter form). */
const REGISTERED = Number(process.env.BENCH_MEMORY_REGISTERED ?? 1_000_000);
const LIMIT_MB = 300;
const LIVE = 2_000;

/**
 * The platform as deployed, in its own process, with 1,000,000 authorizers registered (bulk
 * inserted by generate_series): 998,000 not due for an hour and 2,000 real ones (authorized in the sandbox, recovered by the
 * api_get_authorizer_list sync) that it refreshes. Reports the process's peak memory.
 */
export async function benchPlatformMemory(): Promise<Record<string, number>> {
  const sandbox = await startSandboxProcess();
  const db = await createTestDatabase();
  const client = new Client(db.url);
  await client.connect();
  const control = new SandboxControl(sandbox.url);
  const component = newComponent();
  const port = await freePort();
  const dataKeys = `b1:${Buffer.alloc(32, 9).toString('base64')}`;
  const env = {
    ...process.env,
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: db.url,
    SKIP_MIGRATIONS: 'true',
    WECHAT_API_BASE_URL: sandbox.url,
    WECHAT_COMPONENTS: JSON.stringify([component]),
    DATA_ENCRYPTION_KEYS: dataKeys,
    LOG_LEVEL: 'warn',
  };
  const platformMain = fileURLToPath(new URL('../apps/platform/src/main.js', import.meta.url));
  const cli = fileURLToPath(new URL('../apps/platform/src/cli.js', import.meta.url));
  let platformPid: number;
  let stopPlatform = async () => undefined as void;
  try {
    process.stdout.write(
      `platform memory: ${REGISTERED.toLocaleString('en')} registered, ${LIVE} refreshed, platform in its own process\n`,
    );
    await control.settings({ ticketPushIntervalMs: 0, authorizedPushTiming: 'none' });
    await control.addComponent({
      ...component,
      eventUrl: `http://127.0.0.1:${port}/wechat/${component.appid}/events`,
    });
    await inPool(
      Array.from({ length: LIVE }, (_, i) => i),
      50,
      async () => {
        const account = newAccount();
        await control.addAccount(account);
        await control.authorize(component.appid, account.appid);
      },
    );
    // The rest of the registry: authorized, tokens valid, next refresh within the next two hours.
    await client.query(
      `INSERT INTO authorizer (component_appid, authorizer_appid, status, updated_at, authorized_at)
       SELECT $1, 'wxf' || lpad(i::text, 15, '0'), 'authorized', now(), now() FROM generate_series(1, $2) i`,
      [component.appid, REGISTERED - LIVE],
    );
    await client.query(
      `INSERT INTO authorizer_token (component_appid, authorizer_appid, access_token_ciphertext, refresh_token_ciphertext,
                                     expires_at, next_refresh_at, version)
       SELECT $1, 'wxf' || lpad(i::text, 15, '0'), 'v1:x:y:z', 'v1:x:y:z', now() + interval '2 hours',
              now() + interval '1 hour' + (i % 3600) * interval '1 second', 1
         FROM generate_series(1, $2) i`,
      [component.appid, REGISTERED - LIVE],
    );

    const child = spawn(process.execPath, [platformMain], {
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    platformPid = child.pid!;
    stopPlatform = () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    let exited: number | null | undefined;
    child.once('exit', (code) => (exited = code));
    await waitFor(async () => {
      if (exited !== undefined) throw new Error(`the platform exited with ${exited} at start`);
      const res = await fetch(`http://127.0.0.1:${port}/health/live`, {
        signal: AbortSignal.timeout(2000),
      }).catch(() => null);
      return res?.ok === true;
    });
    await control.pushTicket(component.appid);
    const sync = spawn(process.execPath, [cli, 'sync-authorizers'], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let synced = '';
    sync.stdout.on('data', (c: Buffer) => (synced += c.toString()));
    await new Promise((resolve) => sync.once('exit', resolve));
    line('sync-authorizers', synced.trim());
    const started = Date.now();
    await waitFor(async () => {
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM authorizer_refresh_log WHERE result = 'ok'`,
      );
      return rows[0].n >= LIVE;
    }, 120_000);
    const status = readFileSync(`/proc/${platformPid}/status`, 'utf8');
    const kb = (name: string) =>
      Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
    const peakMb = kb('VmHWM') / 1024;
    const rssMb = kb('VmRSS') / 1024;
    line(
      'refreshed by the platform',
      `${LIVE} in ${((Date.now() - started) / 1000).toFixed(1)} s (its cron, every 10 s)`,
    );
    line(
      'platform process memory',
      `peak RSS ${peakMb.toFixed(0)} MB, RSS now ${rssMb.toFixed(0)} MB (limit ${LIMIT_MB} MB: ${
        peakMb < LIMIT_MB ? 'met' : 'NOT met'
      })`,
    );
    line(
      'written',
      writeResult('platform-memory', {
        registered: REGISTERED,
        refreshed: LIVE,
        goal: { peakRssMb: LIMIT_MB },
        peakMb,
        rssMb,
      }),
    );
    return { peakMb, rssMb };
  } finally {
    await stopPlatform();
    await client.end();
    await db.drop();
    await sandbox.stop();
  }
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not ready in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
