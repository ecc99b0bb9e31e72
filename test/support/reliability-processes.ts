import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { startSandbox } from '@app/sandbox';
import { ComponentConfig } from '@app/wechat-open';
import { newAccount } from './accounts.js';
import { createTestDatabase, TestDatabase } from './database.js';
import { SandboxControl } from './sandbox-control.js';
import { freePort, newComponent } from './stack.js';

const ROOT = resolve(import.meta.dirname, '../..');
const PLATFORM_MAIN = resolve(ROOT, 'dist/apps/platform/src/main.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Builds dist/ when a source is newer than the last build (`npm start`'s own check). */
export function buildPlatform(): void {
  execFileSync(process.execPath, ['scripts/build-if-needed.mjs'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** A platform instance in a process of its own (`node dist/apps/platform/src/main.js`). */
export interface PlatformProcess {
  pid: number;
  port: number;
  url: string;
  /** Everything it wrote on stdout and stderr. */
  logs: string[];
  exited: Promise<number | null>;
  /** SIGKILL: no shutdown hook runs, leases stay as they were. */
  kill9(): Promise<void>;
  /** SIGTERM, and waits for the exit. */
  stop(): Promise<void>;
}

/** Polls `check` every 100 ms until it is truthy, or throws after `timeoutMs`. */
export async function until<T>(
  what: string,
  check: () => Promise<T | null | undefined | false>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/**
 * The sandbox (in this process, real HTTP), a database of the scenario's own and the settings
 * every platform process of the scenario is started with; the component's event URL points at
 * `port`, where the scenario runs (and restarts) its first instance.
 */
export interface ProcessRig {
  db: TestDatabase;
  client: Client;
  sandbox: SandboxControl;
  component: ComponentConfig;
  dataKeys: string;
  port: number;
  processes: PlatformProcess[];
  spawn(env?: Record<string, string>, port?: number): Promise<PlatformProcess>;
  /** Authorizes `n` new accounts through the sandbox (pushed to `port`); answers their appids. */
  authorize(n: number): Promise<string[]>;
  close(): Promise<void>;
}

export async function startProcessRig(
  sandboxSettings: Record<string, unknown>,
  baseEnv: Record<string, string> = {},
): Promise<ProcessRig> {
  buildPlatform();
  const db = await createTestDatabase();
  const client = new Client(db.url);
  await client.connect();
  const sandboxServer = await startSandbox({ port: 0 });
  const sandbox = new SandboxControl(sandboxServer.url);
  await sandbox.settings({
    ticketPushIntervalMs: 0,
    apiDailyLimit: 10_000_000,
    ...sandboxSettings,
  });
  const component = newComponent();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  await sandbox.addComponent({
    ...component,
    eventUrl: `${base}/wechat/${component.appid}/events`,
    messageUrl: `${base}/wechat/${component.appid}/accounts/$APPID$/messages`,
    authDomain: `127.0.0.1:${port}`,
  });
  const dataKeys = `r1:${Buffer.alloc(32, 11).toString('base64')}`;
  const processes: PlatformProcess[] = [];

  /**
   * Starts a platform process; when it dies at start-up because dist/ was being rebuilt under it
   * (another `npm run build` in this checkout), builds again and retries.
   */
  const spawnOne = async (
    env: Record<string, string> = {},
    listenPort = port,
  ): Promise<PlatformProcess> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await launch(env, listenPort);
      } catch (error) {
        if (attempt >= 3 || !/ERR_MODULE_NOT_FOUND|Cannot find module/.test(String(error)))
          throw error;
        await sleep(10_000);
        buildPlatform();
      }
    }
  };

  const launch = async (
    env: Record<string, string>,
    listenPort: number,
  ): Promise<PlatformProcess> => {
    const child: ChildProcess = spawn(process.execPath, [PLATFORM_MAIN], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        PORT: String(listenPort),
        HOST: '127.0.0.1',
        PUBLIC_BASE_URL: base,
        DATABASE_URL: db.url,
        SKIP_MIGRATIONS: 'true',
        WECHAT_API_BASE_URL: sandboxServer.url,
        WECHAT_MP_BASE_URL: sandboxServer.url,
        WECHAT_OPEN_BASE_URL: sandboxServer.url,
        WECHAT_COMPONENTS: JSON.stringify([component]),
        DATA_ENCRYPTION_KEYS: dataKeys,
        LOG_LEVEL: 'warn',
        ...baseEnv,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const logs: string[] = [];
    child.stdout!.on('data', (c: Buffer) => logs.push(c.toString()));
    child.stderr!.on('data', (c: Buffer) => logs.push(c.toString()));
    const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
    const url = `http://127.0.0.1:${listenPort}`;
    const instance: PlatformProcess = {
      pid: child.pid!,
      port: listenPort,
      url,
      logs,
      exited,
      kill9: async () => {
        child.kill('SIGKILL');
        await exited;
      },
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      },
    };
    let early: number | null | undefined;
    void exited.then((code) => (early = code));
    await until(
      `platform process ${child.pid} live`,
      async () => {
        if (early !== undefined)
          throw new Error(`platform exited with ${early}: ${logs.join('').slice(-2000)}`);
        return (await fetch(`${url}/health/live`)).ok;
      },
      60_000,
    ).catch((error: unknown) => {
      child.kill('SIGKILL');
      throw new Error(`${String(error)}\n${logs.join('').slice(-2000)}`);
    });
    processes.push(instance);
    return instance;
  };

  return {
    db,
    client,
    sandbox,
    component,
    dataKeys,
    port,
    processes,
    spawn: spawnOne,
    authorize: async (n) => {
      const appids: string[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(10, n) }, async () => {
          while (next < n) {
            next++;
            const account = newAccount();
            await sandbox.addAccount(account);
            await sandbox.authorize(component.appid, account.appid);
            appids.push(account.appid);
          }
        }),
      );
      await until(
        `${n} accounts authorized with a token`,
        async () => {
          const { rows } = await client.query<{ n: number }>(
            `SELECT count(*)::int n FROM authorizer_token
              WHERE authorizer_appid = ANY($1) AND access_token_ciphertext IS NOT NULL`,
            [appids],
          );
          return rows[0].n === n;
        },
        120_000,
      );
      return appids;
    },
    close: async () => {
      for (const p of processes) await p.stop().catch(() => undefined);
      await client.end().catch(() => undefined);
      await sandboxServer.close();
      await db.drop();
    },
  };
}
