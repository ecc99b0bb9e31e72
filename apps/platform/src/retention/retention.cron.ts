import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { PLATFORM_CONFIG } from '../config/platform-config.token.js';
import type { PlatformConfig } from '../config/platform-config.js';
import { RetentionService } from './retention.service.js';

const JOB_NAME = 'platform:retention';

/**
 * Runs the retention policy on its schedule, on instances whose schedulers are on. A tick that
 * would overlap the run in progress is skipped; across instances, the retention function's
 * per-table lock lets one prune a table at a time.
 */
@Injectable()
export class RetentionCron implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RetentionCron.name);
  private running?: Promise<unknown>;

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly platform: PlatformConfig,
    private readonly service: RetentionService,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.platform.schedulers) return;
    this.scheduler.addCronJob(
      JOB_NAME,
      CronJob.from({ cronTime: this.service.config.cron, onTick: () => this.tick(), start: true }),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.scheduler.doesExist('cron', JOB_NAME)) this.scheduler.deleteCronJob(JOB_NAME);
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.service
      .runOnce()
      .catch((error: unknown) =>
        this.logger.error(
          `retention failed: ${error instanceof Error ? error.message : 'unknown error'}`,
        ),
      )
      .finally(() => (this.running = undefined));
  }
}
