import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { ComponentRegistry } from '../core/component-registry.js';
import { CronTask } from '../core/cron-task.js';
import { WECHAT_OPEN_OPTIONS } from '../wechat-open.constants.js';
import { ResolvedWechatOpenOptions } from '../wechat-open.options.js';
import { ComponentTokenService } from './component-token.service.js';
import { VerifyTicketService } from './verify-ticket.service.js';

/** Keeps every component's token ahead of expiry and its ticket pushes flowing. */
@Injectable()
export class ComponentTicketCron implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ComponentTicketCron');
  private readonly task = new CronTask(
    'wechat-open:component-token',
    () => this.runOnce(),
    this.logger,
  );

  constructor(
    private readonly tokens: ComponentTokenService,
    private readonly tickets: VerifyTicketService,
    private readonly registry: ComponentRegistry,
    private readonly scheduler: SchedulerRegistry,
    @Inject(WECHAT_OPEN_OPTIONS) private readonly options: ResolvedWechatOpenOptions,
  ) {}

  onApplicationBootstrap(): void {
    if (this.options.schedulers)
      this.task.start(this.scheduler, this.options.componentCron, { runNow: true });
  }

  onApplicationShutdown(): Promise<void> {
    return this.task.stop(this.scheduler);
  }

  /** One pass over the components; one component's failure does not stop the others. */
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
