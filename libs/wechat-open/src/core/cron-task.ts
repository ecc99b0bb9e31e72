import { Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';

/**
 * One cron-driven task of the library: registered with Nest's scheduler, a tick that would
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

  start(scheduler: SchedulerRegistry, cronTime: string, options: { runNow?: boolean } = {}): void {
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

  async stop(scheduler: SchedulerRegistry): Promise<void> {
    if (scheduler.doesExist('cron', this.name)) scheduler.deleteCronJob(this.name);
    await this.running;
  }
}
