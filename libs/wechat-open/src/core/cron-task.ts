import { Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { WechatOpenError } from '../errors/wechat-open.error.js';

/**
 * The library's jobs are on (`schedulers`, default true) but the host has no scheduler: the host
 * owns `ScheduleModule.forRoot()` (the library importing it too would run the host's own @Cron
 * jobs twice).
 */
export class SchedulerMissingError extends WechatOpenError {
  constructor() {
    super(
      'SCHEDULER_MISSING',
      'WechatOpenModule runs scheduled jobs, but no SchedulerRegistry is available: the host ' +
        "module must import ScheduleModule.forRoot() from '@nestjs/schedule' (or set " +
        'schedulers: false in the WechatOpenModule options)',
    );
  }
}

/**
 * One cron-driven task of the library: registered with the host's scheduler, a tick that would
 * overlap the previous run is skipped, failures are logged (never thrown into the timer), and
 * stopping waits for the run in progress.
 */
export class CronTask {
  private running?: Promise<void>;

  constructor(
    private readonly name: string,
    private readonly run: () => Promise<unknown>,
    private readonly logger: Logger,
  ) {}

  /** `scheduler` is injected optionally; without one, the host forgot ScheduleModule.forRoot(). */
  start(
    scheduler: SchedulerRegistry | undefined,
    cronTime: string,
    options: { runNow?: boolean } = {},
  ): void {
    if (!scheduler) throw new SchedulerMissingError();
    scheduler.addCronJob(
      this.name,
      CronJob.from({ cronTime, onTick: () => this.tick(), start: true }),
    );
    if (options.runNow) this.tick();
  }

  tick(): void {
    if (this.running) return;
    this.running = this.run()
      .then(() => undefined)
      .catch((error: unknown) => this.logger.error(`${this.name} failed: ${String(error)}`))
      .finally(() => (this.running = undefined));
  }

  async stop(scheduler: SchedulerRegistry | undefined): Promise<void> {
    if (scheduler?.doesExist('cron', this.name)) scheduler.deleteCronJob(this.name);
    await this.running;
  }
}
