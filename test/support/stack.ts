import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { startSandbox } from '@app/sandbox';
import { ComponentConfig } from '@app/wechat-open';
import type { PlatformRuntime } from '../../apps/platform/src/app.module.js';
import { createPlatformApp } from '../../apps/platform/src/platform.js';
import { PlatformConfig } from '../../apps/platform/src/config/platform-config.js';
import { createTestDatabase, TestDatabase } from './database.js';
import { SandboxControl } from './sandbox-control.js';

export interface TestPlatform {
  app: NestFastifyApplication;
  url: string;
  get<T>(token: abstract new (...args: never[]) => T): T;
  stop(): Promise<void>;
}

export interface TestStack {
  db: TestDatabase;
  sandbox: SandboxControl;
  component: ComponentConfig;
  /** The first platform instance (the one the sandbox pushes to). */
  platform: TestPlatform;
  /** Starts another instance on the same database (several-instance tests). */
  startInstance(overrides?: Partial<PlatformConfig>): Promise<TestPlatform>;
  close(): Promise<void>;
}

export interface StackOptions {
  /** Sandbox settings applied before anything starts. */
  sandboxSettings?: Record<string, unknown>;
  platform?: Partial<PlatformConfig>;
  /** Accounts to create in the sandbox. */
  accounts?: Record<string, unknown>[];
  /** Push a first ticket and wait for it to be stored. Default true. */
  initialTicket?: boolean;
  /** More components for the platform (the sandbox knows only the stack's own one). */
  extraComponents?: ComponentConfig[];
  /** Use a sandbox already running elsewhere (benchmarks run it in its own process). */
  sandboxUrl?: string;
  /** Where the platform instances log (tests that read the logs; set platform.logLevel too). */
  logStream?: { write(line: string): void };
  /** More modules in every platform instance (a host's message handlers). */
  imports?: PlatformRuntime['imports'];
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export function newComponent(): ComponentConfig {
  return {
    appid: `wxc${randomBytes(8).toString('hex')}`,
    secret: randomBytes(16).toString('hex'),
    token: `tok${randomBytes(6).toString('hex')}`,
    encodingAesKey: randomBytes(32)
      .toString('base64')
      .replace(/[^A-Za-z0-9]/g, 'x')
      .slice(0, 43),
  };
}

/** Where a test platform instance listens and what it talks to. */
export interface TestPlatformTarget {
  port: number;
  publicBaseUrl: string;
  database: { url: string; poolSize: number };
  components: ComponentConfig[];
  sandboxUrl: string;
  instanceId: string;
}

/**
 * The configuration every test and bench platform instance starts from: the test data key (so
 * instances in other processes open the same rows), short crons, schedulers on, quiet logs.
 */
export function testPlatformConfig(t: TestPlatformTarget): PlatformConfig {
  return {
    port: t.port,
    host: '127.0.0.1',
    publicBaseUrl: t.publicBaseUrl,
    logLevel: process.env.TEST_LOG_LEVEL ?? 'silent',
    database: {
      url: t.database.url,
      embeddedDir: '',
      poolSize: t.database.poolSize,
      runMigrations: false,
    },
    components: t.components,
    dataKeys: [{ kid: 't1', key: Buffer.alloc(32, 7) }],
    wechat: { apiBaseUrl: t.sandboxUrl, mpBaseUrl: t.sandboxUrl, openBaseUrl: t.sandboxUrl },
    sandbox: { port: 0, ticketPushIntervalMs: 0 },
    httpTimeoutMs: 2000,
    componentTokenRefreshMarginSec: 900,
    ticketStaleAfterSec: 1800,
    componentCron: '*/1 * * * * *',
    maxXmlBytes: 64 * 1024,
    schedulers: true,
    rateLimits: { adminPerMin: 600, tokenApiPerMin: 60_000 },
    preAuthSessionTtlSec: 1800,
    returnUrlAllowList: { '*': ['https://dashboard.example.com/return/'] },
    authorizer: { refreshCron: '*/1 * * * * *' },
    instanceId: t.instanceId,
  };
}

/**
 * The sandbox (in-process, real HTTP), a database of this test file's own, and a platform
 * instance wired to both, as `npm start` wires them but on random ports.
 */
export async function startStack(options: StackOptions = {}): Promise<TestStack> {
  const db = await createTestDatabase();
  const sandbox = options.sandboxUrl
    ? { url: options.sandboxUrl, close: async () => undefined }
    : await startSandbox({ port: 0 });
  const control = new SandboxControl(sandbox.url);
  await control.settings({ ticketPushIntervalMs: 0, ...options.sandboxSettings });
  const component = newComponent();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  await control.addComponent({
    ...component,
    eventUrl: `${base}/wechat/${component.appid}/events`,
    messageUrl: `${base}/wechat/${component.appid}/accounts/$APPID$/messages`,
    authDomain: `127.0.0.1:${port}`,
  });
  for (const account of options.accounts ?? []) await control.addAccount(account);
  const instances: TestPlatform[] = [];

  const start = async (
    listenPort: number,
    overrides: Partial<PlatformConfig> = {},
  ): Promise<TestPlatform> => {
    const config: PlatformConfig = {
      ...testPlatformConfig({
        port: listenPort,
        publicBaseUrl: base,
        database: db,
        components: [component, ...(options.extraComponents ?? [])],
        sandboxUrl: sandbox.url,
        instanceId: `test-${instances.length + 1}`,
      }),
      ...options.platform,
      ...overrides,
    };
    const app = await createPlatformApp(
      config,
      {
        databaseUrl: config.database.url ?? db.url,
        poolSize: config.database.poolSize,
        wechat: config.wechat!,
      },
      { bufferLogs: false, logStream: options.logStream, imports: options.imports },
    );
    await app.listen(listenPort, '127.0.0.1');
    let stopped = false;
    const instance: TestPlatform = {
      app,
      url: await app.getUrl().then((u) => u.replace('[::1]', '127.0.0.1')),
      get: (token) => app.get(token),
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await app.close();
      },
    };
    instances.push(instance);
    return instance;
  };

  const platform = await start(port);
  if (options.initialTicket !== false) await control.pushTicket(component.appid);
  return {
    db,
    sandbox: control,
    component,
    platform,
    startInstance: async (overrides) => start(await freePort(), overrides),
    close: async () => {
      for (const i of instances.reverse()) await i.stop().catch(() => undefined);
      await sandbox.close();
      await db.drop();
    },
  };
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes. */
export async function eventually<T>(
  check: () => Promise<T | undefined | null | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `condition not met in ${timeoutMs} ms${last instanceof Error ? `: ${last.message}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}
