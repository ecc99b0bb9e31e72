import 'reflect-metadata';
import { AuthorizerRefreshScheduler } from '@app/wechat-open';
import type { ComponentConfig } from '@app/wechat-open';
import { createPlatformApp } from '../../apps/platform/src/platform.js';
import type { PlatformConfig } from '../../apps/platform/src/config/platform-config.js';
import { StatementCounter } from '../bench-util.js';
import { testPlatformConfig } from '../../test/support/stack.js';

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
  // The stack's configuration: its data key opens the rows the parent sealed.
  const base = testPlatformConfig({
    port: 0,
    publicBaseUrl: 'http://127.0.0.1:1',
    database: { url: job.databaseUrl, poolSize: job.poolSize },
    components: [job.component],
    sandboxUrl: job.sandboxUrl,
    instanceId: job.instanceId,
  });
  const config: PlatformConfig = {
    ...base,
    logLevel: 'warn',
    schedulers: false,
    authorizer: {
      ...base.authorizer,
      refreshConcurrency: job.concurrency,
      refreshRatePerSec: job.ratePerSec,
      refreshBatchSize: 200,
    },
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
