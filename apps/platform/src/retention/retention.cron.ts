import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronTask } from '@app/wechat-open';
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
  private readonly task = new CronTask(JOB_NAME, () => this.service.runOnce(), this.logger);

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly platform: PlatformConfig,
    private readonly service: RetentionService,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.platform.schedulers) return;
    this.task.start(this.scheduler, this.service.config.cron);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task.stop(this.scheduler);
  }
}
