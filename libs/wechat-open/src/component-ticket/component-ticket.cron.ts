import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { ComponentRegistry } from '../core/component-registry.js';
import { WECHAT_OPEN_OPTIONS } from '../wechat-open.constants.js';
import { ResolvedWechatOpenOptions } from '../wechat-open.options.js';
import { ComponentTokenService } from './component-token.service.js';
import { VerifyTicketService } from './verify-ticket.service.js';

const JOB = 'wechat-open:component-token';

/** Keeps every component's token ahead of expiry and its ticket pushes flowing. */
@Injectable()
export class ComponentTicketCron implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ComponentTicketCron');
  private running?: Promise<void>;

  constructor(
    private readonly tokens: ComponentTokenService,
    private readonly tickets: VerifyTicketService,
    private readonly registry: ComponentRegistry,
    private readonly scheduler: SchedulerRegistry,
    @Inject(WECHAT_OPEN_OPTIONS) private readonly options: ResolvedWechatOpenOptions,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.options.schedulers) return;
    const job = CronJob.from({
      cronTime: this.options.componentCron,
      onTick: () => this.tick(),
      start: true,
    });
    this.scheduler.addCronJob(JOB, job);
    this.tick();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.scheduler.doesExist('cron', JOB)) this.scheduler.deleteCronJob(JOB);
    await this.running;
  }

  /** One pass; overlapping ticks are skipped. */
  tick(): void {
    if (this.running) return;
    this.running = this.runOnce().finally(() => (this.running = undefined));
  }

  async runOnce(): Promise<void> {
    for (const appid of this.registry.appids()) {
      try {
        await this.tickets.restartPushesIfStale(appid);
      } catch (error) {
        this.logger.error(`ticket push restart for ${appid} failed: ${String(error)}`);
      }
      try {
        await this.tokens.refreshIfDue(appid);
      } catch (error) {
        this.logger.error(`component token refresh for ${appid} failed: ${String(error)}`);
      }
    }
  }
}
