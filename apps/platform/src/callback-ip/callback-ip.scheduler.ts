import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { PlatformConfig } from '../config/platform-config.js';
import { PLATFORM_CONFIG } from '../config/platform-config.token.js';
import { CallbackIpService } from './callback-ip.service.js';

const JOB_NAME = 'wechat-callback-ip';
/** Hourly: the list is fetched when a day old (or never fetched: a new install, a failed try). */
const CHECK_CRON = '0 17 * * * *';

/**
 * Keeps WeChat's callback IP list fresh, on instances whose schedulers are on (a CLI run never
 * fetches). Several instances may fetch the same day: the answer is the same, and small.
 */
@Injectable()
export class CallbackIpScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('CallbackIpScheduler');
  private running?: Promise<void>;

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly platform: PlatformConfig,
    private readonly callbackIps: CallbackIpService,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.platform.schedulers) return;
    this.scheduler.addCronJob(
      JOB_NAME,
      CronJob.from({ cronTime: CHECK_CRON, onTick: () => this.tick(), start: true }),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.scheduler.doesExist('cron', JOB_NAME)) this.scheduler.deleteCronJob(JOB_NAME);
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.callbackIps
      .refreshIfStale()
      .catch((error: unknown) =>
        this.logger.error(
          `callback IP refresh failed: ${error instanceof Error ? error.message : String(error)}`,
        ),
      )
      .finally(() => {
        this.running = undefined;
      });
  }
}
