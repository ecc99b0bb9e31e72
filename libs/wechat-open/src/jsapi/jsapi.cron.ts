import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { WECHAT_OPEN_OPTIONS } from '../wechat-open.constants.js';
import { ResolvedWechatOpenOptions } from '../wechat-open.options.js';
import { JsApiService } from './jsapi.service.js';

const JOB = 'wechat-open:jsapi-tickets';

/** Keeps tickets that are in use ahead of expiry; the claim (lease rows) makes it safe on every instance. */
@Injectable()
export class JsApiCron implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('JsApiCron');
  private running?: Promise<void>;

  constructor(
    private readonly jsapi: JsApiService,
    private readonly scheduler: SchedulerRegistry,
    @Inject(WECHAT_OPEN_OPTIONS) private readonly options: ResolvedWechatOpenOptions,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.options.schedulers) return;
    const job = CronJob.from({
      cronTime: this.options.jsapi.cron,
      onTick: () => this.tick(),
      start: true,
    });
    this.scheduler.addCronJob(JOB, job);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.scheduler.doesExist('cron', JOB)) this.scheduler.deleteCronJob(JOB);
    await this.running;
  }

  /** One sweep; overlapping ticks are skipped. */
  tick(): void {
    if (this.running) return;
    this.running = this.runOnce().finally(() => (this.running = undefined));
  }

  async runOnce(): Promise<void> {
    try {
      const refreshed = await this.jsapi.refreshDueTickets();
      if (refreshed > 0) this.logger.log(`kept ${refreshed} ticket(s) warm`);
    } catch (error) {
      this.logger.error(`keep-warm sweep failed: ${String(error)}`);
    }
  }
}
