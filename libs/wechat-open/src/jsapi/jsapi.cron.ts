import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronTask } from '../core/cron-task.js';
import { WECHAT_OPEN_OPTIONS } from '../wechat-open.constants.js';
import { ResolvedWechatOpenOptions } from '../wechat-open.options.js';
import { JsApiService } from './jsapi.service.js';

/** Keeps tickets that are in use ahead of expiry; the claim (lease rows) makes it safe on every instance. */
@Injectable()
export class JsApiCron implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('JsApiCron');
  private readonly task = new CronTask(
    'wechat-open:jsapi-tickets',
    () => this.runOnce(),
    this.logger,
  );

  constructor(
    private readonly jsapi: JsApiService,
    // The host's (ScheduleModule.forRoot()); the core module says clearly when it is missing.
    @Optional()
    @Inject(SchedulerRegistry)
    private readonly scheduler: SchedulerRegistry | undefined,
    @Inject(WECHAT_OPEN_OPTIONS) private readonly options: ResolvedWechatOpenOptions,
  ) {}

  onApplicationBootstrap(): void {
    if (this.options.schedulers) this.task.start(this.scheduler, this.options.jsapi.cron);
  }

  onApplicationShutdown(): Promise<void> {
    return this.task.stop(this.scheduler);
  }

  async runOnce(): Promise<void> {
    const refreshed = await this.jsapi.refreshDueTickets();
    if (refreshed > 0) this.logger.log(`kept ${refreshed} ticket(s) warm`);
  }
}
