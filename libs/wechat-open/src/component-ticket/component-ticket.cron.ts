import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleInit,
  Optional,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { Subscription } from 'rxjs';
import { WechatApiError } from '../client/wechat-api.errors.js';
import { ComponentRegistry } from '../core/component-registry.js';
import { CronTask } from '../core/cron-task.js';
import { WechatOpenEvents } from '../core/wechat-open.events.js';
import { WECHAT_OPEN_OPTIONS } from '../wechat-open.constants.js';
import { ResolvedWechatOpenOptions } from '../wechat-open.options.js';
import { TICKET_REJECTED_ERRCODES } from './component-ticket.constants.js';
import { VerifyTicketMissingError, VerifyTicketRejectedError } from './component-ticket.errors.js';
import { ComponentTokenService } from './component-token.service.js';
import { VerifyTicketService } from './verify-ticket.service.js';

/**
 * Keeps every component's token ahead of expiry and its ticket pushes flowing: mints as soon as a
 * ticket arrives, asks WeChat for a ticket once pushes can reach this instance, and checks both
 * on the componentCron schedule. Off with `schedulers: false`.
 */
@Injectable()
export class ComponentTicketCron
  implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger('ComponentTicketCron');
  private readonly task = new CronTask(
    'wechat-open:component-token',
    () => this.runOnce(),
    this.logger,
  );
  /**
   * Whether WeChat's pushes can reach this instance: its HTTP server listens (or it has none, and
   * the host receives pushes some other way). A push asked for before that would be lost, and
   * WeChat would not push again for ten minutes.
   */
  private reachable = false;
  private listening?: Subscription;
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly tokens: ComponentTokenService,
    private readonly tickets: VerifyTicketService,
    private readonly registry: ComponentRegistry,
    private readonly events: WechatOpenEvents,
    @Inject(WECHAT_OPEN_OPTIONS) private readonly options: ResolvedWechatOpenOptions,
    @Optional() private readonly scheduler?: SchedulerRegistry,
    @Optional() private readonly http?: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    if (!this.options.schedulers) return;
    // The first ticket, or a new one after WeChat refused the last: mint now, not at the next tick.
    this.events.on('verify_ticket_stored', ({ componentAppid }) =>
      this.inBackground(() => this.mintIfDue(componentAppid)),
    );
  }

  onApplicationBootstrap(): void {
    if (!this.options.schedulers) return;
    this.task.start(this.scheduler, this.options.componentCron, { runNow: true });
    const http = this.http;
    if (!http?.httpAdapter || http.listening) {
      this.becomeReachable();
    } else {
      this.listening = http.listen$.subscribe(() => this.becomeReachable());
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.listening?.unsubscribe();
    await this.task.stop(this.scheduler);
    await Promise.allSettled([...this.inFlight]);
  }

  /** One pass over the components; one component's failure does not stop the others. */
  async runOnce(): Promise<void> {
    for (const appid of this.registry.appids()) {
      try {
        const ticket = await this.tickets.status(appid);
        if (ticket.stale && this.reachable) await this.tickets.restartPushesIfStale(appid);
        // With no ticket yet there is nothing to mint with: that is waiting, not failing.
        if (!ticket.present) {
          this.logger.debug(`waiting for the first verify ticket of ${appid}`);
          continue;
        }
      } catch (error) {
        this.logger.warn(`verify ticket check for ${appid} failed: ${String(error)}`);
      }
      await this.mintIfDue(appid);
    }
  }

  private becomeReachable(): void {
    if (this.reachable || this.stopped) return;
    this.reachable = true;
    this.inBackground(() => this.askForMissingTickets());
  }

  /** Once pushes can reach us: a component with no (fresh) ticket asks for one right away. */
  private async askForMissingTickets(): Promise<void> {
    for (const appid of this.registry.appids()) {
      try {
        await this.tickets.restartPushesIfStale(appid);
      } catch (error) {
        this.logger.warn(`asking WeChat for a verify ticket for ${appid} failed: ${String(error)}`);
      }
    }
  }

  /** Mints when there is no usable token or it is due; failures are logged by what they mean. */
  private async mintIfDue(appid: string): Promise<void> {
    try {
      await this.tokens.refreshIfDue(appid);
    } catch (error) {
      if (error instanceof VerifyTicketMissingError || error instanceof VerifyTicketRejectedError) {
        // Expected states while WeChat's next push is awaited (asked for already).
        this.logger.debug(`component token for ${appid} not minted: ${error.message}`);
      } else if (error instanceof WechatApiError && TICKET_REJECTED_ERRCODES.has(error.errcode)) {
        this.logger.warn(`component token refresh for ${appid} failed: ${error.message}`);
      } else {
        this.logger.error(`component token refresh for ${appid} failed: ${String(error)}`);
      }
    }
  }

  private inBackground(work: () => Promise<void>): void {
    if (this.stopped) return;
    const run: Promise<void> = work().finally(() => this.inFlight.delete(run));
    this.inFlight.add(run);
  }
}
