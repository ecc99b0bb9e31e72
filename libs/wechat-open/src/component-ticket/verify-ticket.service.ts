import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { WechatApiClient } from '../client/wechat-api.client.js';
import { Clock } from '../core/clock.js';
import { ComponentRegistry } from '../core/component-registry.js';
import { SecretBox } from '../core/secret-box.js';
import { APPLIED, WechatEventBus } from '../events/event-bus.js';
import { WECHAT_OPEN_OPTIONS } from '../wechat-open.constants.js';
import { ResolvedWechatOpenOptions } from '../wechat-open.options.js';
import { requireField } from '../xml/wechat-xml.js';
import { ComponentTicketRepository } from './component-ticket.repository.js';

export interface VerifyTicketStatus {
  componentAppid: string;
  present: boolean;
  /** WeChat's CreateTime of the newest ticket. */
  createTime: Date | null;
  receivedAt: Date | null;
  /** Seconds since CreateTime, or null with no ticket. */
  ageSec: number | null;
  /** Older than ticketStaleAfterSec (pushes have stopped), or absent. */
  stale: boolean;
}

/** The newest component_verify_ticket per component, and restarting pushes when they stop. */
@Injectable()
export class VerifyTicketService implements OnModuleInit {
  private readonly logger = new Logger('VerifyTicketService');
  private readonly storedListeners: ((componentAppid: string) => void)[] = [];

  constructor(
    private readonly repo: ComponentTicketRepository,
    private readonly box: SecretBox,
    private readonly clock: Clock,
    private readonly bus: WechatEventBus,
    private readonly api: WechatApiClient,
    private readonly registry: ComponentRegistry,
    @Inject(WECHAT_OPEN_OPTIONS) private readonly options: ResolvedWechatOpenOptions,
  ) {}

  onModuleInit(): void {
    this.bus.on('component_verify_ticket', {
      parse: (fields) => requireField(fields, 'ComponentVerifyTicket'),
      handle: async (event, ticket) => {
        const stored = await this.repo.saveTicketIfNewer(
          event.componentAppid,
          this.box.seal(ticket),
          event.createTime,
          this.clock.now(),
        );
        if (stored) {
          this.storedListeners.forEach((listener) => listener(event.componentAppid));
          return APPLIED;
        }
        return { outcome: 'ignored', reason: 'older than the stored ticket' };
      },
    });
  }

  /** Calls `listener` after each newer ticket is stored (the token cron mints without waiting). */
  onStored(listener: (componentAppid: string) => void): void {
    this.storedListeners.push(listener);
  }

  /** The newest ticket in clear text, or null. */
  async current(componentAppid: string): Promise<string | null> {
    const row = await this.repo.findTicket(componentAppid);
    return row ? this.box.open(row.ticketCiphertext) : null;
  }

  async status(componentAppid: string): Promise<VerifyTicketStatus> {
    this.registry.config(componentAppid);
    const row = await this.repo.findTicket(componentAppid);
    const ageSec = row ? Math.floor((this.clock.nowMs() - row.createTime.getTime()) / 1000) : null;
    return {
      componentAppid,
      present: row !== null,
      createTime: row?.createTime ?? null,
      receivedAt: row?.receivedAt ?? null,
      ageSec,
      stale: ageSec === null || ageSec > this.options.ticketStaleAfterSec,
    };
  }

  /**
   * Calls api_start_push_ticket when the ticket is missing or stale, at most once per
   * ticketRepushIntervalSec across all instances. Returns whether it asked.
   */
  async restartPushesIfStale(componentAppid: string): Promise<boolean> {
    const { stale } = await this.status(componentAppid);
    if (!stale) return false;
    return this.requestPush(componentAppid);
  }

  /** Asks WeChat to push a ticket, rate-limited like restartPushesIfStale. */
  async requestPush(componentAppid: string): Promise<boolean> {
    const now = this.clock.now();
    const notBefore = new Date(now.getTime() - this.options.ticketRepushIntervalSec * 1000);
    if (!(await this.repo.claimPushRequest(componentAppid, now, notBefore))) return false;
    const { secret } = this.registry.config(componentAppid);
    const answer = await this.api.request('/cgi-bin/component/api_start_push_ticket', {
      body: { component_appid: componentAppid, component_secret: secret },
    });
    this.logger.log(
      `asked WeChat to restart verify ticket pushes for ${componentAppid}: ${String(answer.errmsg ?? 'ok')}`,
    );
    return true;
  }
}
