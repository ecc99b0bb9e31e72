import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronTask } from '@app/wechat-open';
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
  private readonly task = new CronTask(
    JOB_NAME,
    () => this.callbackIps.refreshIfStale(),
    this.logger,
  );

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly platform: PlatformConfig,
    private readonly callbackIps: CallbackIpService,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.platform.schedulers) return;
    this.task.start(this.scheduler, CHECK_CRON);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task.stop(this.scheduler);
  }
}
