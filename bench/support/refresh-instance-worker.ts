import 'reflect-metadata';
import { AuthorizerRefreshScheduler } from '@app/wechat-open';
import type { ComponentConfig } from '@app/wechat-open';
import { createPlatformApp } from '../../apps/platform/src/platform.js';
import type { PlatformConfig } from '../../apps/platform/src/config/platform-config.js';
import { StatementCounter } from '../bench-util.js';

/** What the parent sends first: where everything is, and how this instance sweeps. */
export interface RefreshInstanceJob {
  instanceId: string;
  databaseUrl: string;
  poolSize: number;
  sandboxUrl: string;
  component: ComponentConfig;
  concurrency: number;
  ratePerSec: number;
}

/** What a sweep came to in this process. */
export interface RefreshInstanceSweep {
  seconds: number;
  ok: number;
  claimed: number;
  claimQueries: number;
  statements: number;
  cpuSec: number;
}

type Command = { cmd: 'sweep' } | { cmd: 'stop' };

/**
 * One platform instance in a process of its own, for the refresh bench across instances: the
 * stack's configuration (the same data key, so it opens the rows the parent seeded), schedulers
 * off; it sweeps when told (`sweep`), counting the statements it sends, and reports.
 */
async function main(job: RefreshInstanceJob): Promise<void> {
  const config: PlatformConfig = {
    port: 0,
    host: '127.0.0.1',
    publicBaseUrl: 'http://127.0.0.1:1',
    logLevel: 'warn',
    database: {
      url: job.databaseUrl,
      embeddedDir: '',
      poolSize: job.poolSize,
      runMigrations: false,
    },
    components: [job.component],
    // The stack's key (test/support/stack.ts): the rows the parent sealed open here.
    dataKeys: [{ kid: 't1', key: Buffer.alloc(32, 7) }],
    wechat: { apiBaseUrl: job.sandboxUrl, mpBaseUrl: job.sandboxUrl, openBaseUrl: job.sandboxUrl },
    sandbox: { port: 0, ticketPushIntervalMs: 0 },
    httpTimeoutMs: 2000,
    componentTokenRefreshMarginSec: 900,
    ticketStaleAfterSec: 1800,
    componentCron: '*/1 * * * * *',
    maxXmlBytes: 64 * 1024,
    schedulers: false,
    rateLimits: { adminPerMin: 600, tokenApiPerMin: 60_000 },
    preAuthSessionTtlSec: 1800,
    returnUrlAllowList: { '*': ['https://dashboard.example.com/return/'] },
    authorizer: {
      refreshCron: '*/1 * * * * *',
      refreshConcurrency: job.concurrency,
      refreshRatePerSec: job.ratePerSec,
      refreshBatchSize: 200,
    },
    instanceId: job.instanceId,
  };
  const app = await createPlatformApp(
    config,
    { databaseUrl: job.databaseUrl, poolSize: job.poolSize, wechat: config.wechat! },
    { bufferLogs: false },
  );
  await app.init();
  const scheduler = app.get(AuthorizerRefreshScheduler);
  process.on('message', (command: Command) => {
    if (command.cmd === 'stop') {
      void app.close().finally(() => process.exit(0));
      return;
    }
    void (async () => {
      const counter = new StatementCounter().install();
      const cpu = process.cpuUsage();
      const started = performance.now();
      const result = await scheduler.sweep();
      const seconds = (performance.now() - started) / 1000;
      const used = process.cpuUsage(cpu);
      counter.uninstall();
      const sweep: RefreshInstanceSweep = {
        seconds,
        ok: result.ok,
        claimed: result.claimed,
        claimQueries: result.claimQueries,
        statements: counter.count,
        cpuSec: (used.user + used.system) / 1e6,
      };
      process.send!(sweep);
    })().catch((error: unknown) => {
      process.stderr.write(`sweep failed: ${String(error)}\n`);
      process.exit(1);
    });
  });
  process.send!({ ready: true });
}

process.once('message', (job: RefreshInstanceJob) => {
  main(job).catch((error: unknown) => {
    process.stderr.write(
      `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  });
});
