import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { WechatApiClient } from '../client/wechat-api.client.js';
import { Clock } from '../core/clock.js';
import { ComponentRegistry } from '../core/component-registry.js';
import { SecretBox } from '../core/secret-box.js';
import { WechatOpenEvents } from '../core/wechat-open.events.js';
import { APPLIED, WechatEventBus } from '../events/event-bus.js';
import { WECHAT_OPEN_OPTIONS } from '../wechat-open.constants.js';
import { ResolvedWechatOpenOptions } from '../wechat-open.options.js';
import { requireField } from '../xml/wechat-xml.js';
import {
  REJECTED_TICKET_ASK_INTERVAL_SEC,
  TICKET_ASK_FIRST_INTERVAL_SEC,
} from './component-ticket.constants.js';
import { ComponentTicketRepository } from './component-ticket.repository.js';
import { EVENT_BUS, SECRET_BOX } from '../core/internal-tokens.js';

/** Tells a retry of the stored push from another ticket without decrypting the stored one. */
function ticketDigest(ticket: string): string {
  return createHash('sha256').update(ticket).digest('hex');
}

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
  /** 61005 / 61006 when WeChat refused the newest ticket (it is not used again), else null. */
  rejectedErrcode: number | null;
}

/** The newest ticket, as api_component_token needs it. */
export interface NewestTicket {
  /** The ticket in clear text: never logged. */
  value: string;
  createTime: Date;
  /** 61005 / 61006 when WeChat refused it already, else null. */
  rejectedErrcode: number | null;
}

/**
 * The newest component_verify_ticket per component (the only writer of its table), and asking
 * WeChat for pushes when none come or when WeChat refused the one we hold.
 */
@Injectable()
export class VerifyTicketService implements OnModuleInit {
  private readonly logger = new Logger('VerifyTicketService');

  constructor(
    private readonly repo: ComponentTicketRepository,
    @Inject(SECRET_BOX) private readonly box: SecretBox,
    private readonly clock: Clock,
    @Inject(EVENT_BUS) private readonly bus: WechatEventBus,
    private readonly api: WechatApiClient,
    private readonly registry: ComponentRegistry,
    private readonly events: WechatOpenEvents,
    @Inject(WECHAT_OPEN_OPTIONS) private readonly options: ResolvedWechatOpenOptions,
  ) {}

  onModuleInit(): void {
    this.bus.on('component_verify_ticket', {
      parse: (fields) => requireField(fields, 'ComponentVerifyTicket'),
      handle: async (event, ticket) => {
        const saved = await this.repo.saveTicketIfNewer(
          event.componentAppid,
          this.box.seal(ticket),
          ticketDigest(ticket),
          event.createTime,
          this.clock.now(),
        );
        switch (saved) {
          case 'new':
            // Announced, not acted on here: the push is answered at once, the mint runs apart.
            this.events.emit('verify_ticket_stored', {
              componentAppid: event.componentAppid,
              createTime: event.createTime,
            });
            return APPLIED;
          case 'repeat':
            return APPLIED;
          case 'older':
            return { outcome: 'ignored', reason: 'older than the stored ticket' };
        }
      },
    });
  }

  /** The newest ticket in clear text, or null. */
  async current(componentAppid: string): Promise<string | null> {
    const row = await this.repo.findTicket(componentAppid);
    return row ? this.box.open(row.ticketCiphertext) : null;
  }

  /** The newest ticket with its CreateTime and whether WeChat refused it, or null. */
  async newest(componentAppid: string): Promise<NewestTicket | null> {
    const row = await this.repo.findTicket(componentAppid);
    return row
      ? {
          value: this.box.open(row.ticketCiphertext),
          createTime: row.createTime,
          rejectedErrcode: row.rejectedErrcode,
        }
      : null;
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
      rejectedErrcode: row?.rejectedErrcode ?? null,
    };
  }

  /**
   * Records that api_component_token refused `ticket` (61005/61006), so that no instance sends it
   * again; another ticket clears it, a retry of the same push does not. Returns whether this
   * call recorded it (a newer ticket may have replaced it meanwhile, or another instance was
   * first).
   */
  async markRejected(
    componentAppid: string,
    ticket: NewestTicket,
    errcode: number,
  ): Promise<boolean> {
    const marked = await this.repo.markTicketRejected(
      componentAppid,
      ticket.createTime,
      ticketDigest(ticket.value),
      errcode,
      this.clock.now(),
    );
    if (marked) {
      this.logger.warn(
        `WeChat refused the verify ticket of ${componentAppid} (${errcode}); it will not be sent again`,
      );
      this.events.emit('verify_ticket_rejected', { componentAppid, errcode });
    }
    return marked;
  }

  /**
   * Calls api_start_push_ticket when the ticket is missing or stale, with backoff across all
   * instances (see requestPush). Returns whether it asked.
   */
  async restartPushesIfStale(componentAppid: string): Promise<boolean> {
    const { stale } = await this.status(componentAppid);
    if (!stale) return false;
    return this.requestPush(componentAppid);
  }

  /**
   * Asks WeChat to push a ticket, unless an ask is recent: after each ask the next waits 60 s,
   * doubling up to ticketRepushIntervalSec, counted across instances until a new ticket comes.
   */
  async requestPush(componentAppid: string): Promise<boolean> {
    const cap = this.options.ticketRepushIntervalSec;
    const claimed = await this.repo.claimPushRequest(
      componentAppid,
      this.clock.now(),
      Math.min(TICKET_ASK_FIRST_INTERVAL_SEC, cap),
      cap,
    );
    if (!claimed) return false;
    await this.startPushTicket(componentAppid, 'no fresh ticket');
    return true;
  }

  /**
   * Asks WeChat to push a ticket because it refused the stored one: at most once a minute across
   * instances, apart from the asks for a missing ticket (a recent one of those must not delay it).
   */
  async requestPushAfterRejection(componentAppid: string): Promise<boolean> {
    const now = this.clock.now();
    const notBefore = new Date(now.getTime() - REJECTED_TICKET_ASK_INTERVAL_SEC * 1000);
    if (!(await this.repo.claimRejectionPushRequest(componentAppid, now, notBefore))) return false;
    await this.startPushTicket(componentAppid, 'the stored ticket was refused');
    return true;
  }

  private async startPushTicket(componentAppid: string, why: string): Promise<void> {
    const { secret } = this.registry.config(componentAppid);
    const answer = await this.api.request('/cgi-bin/component/api_start_push_ticket', {
      body: { component_appid: componentAppid, component_secret: secret },
    });
    this.logger.log(
      `asked WeChat to push a verify ticket for ${componentAppid} (${why}): ${String(answer.errmsg ?? 'ok')}`,
    );
  }
}
