import {
  Injectable,
  Logger,
  NotFoundException,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { ComponentStore } from '../state/component.store.js';
import { SettingsStore } from '../state/settings.store.js';
import { TicketStore } from '../state/ticket.store.js';
import { PusherService, PushResult } from './pusher.service.js';

export interface TicketPushResult {
  ticket: string;
  delivered: boolean;
  attempts: number;
  outcome: PushResult['outcome'];
  pushId: number;
}

/** Pushes component_verify_ticket to every component every ticketPushIntervalMs (0: never). */
@Injectable()
export class TicketScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('SandboxTickets');
  private interval?: NodeJS.Timeout;
  private intervalMs = 0;
  private readonly soon = new Set<NodeJS.Timeout>();

  constructor(
    private readonly componentStore: ComponentStore,
    private readonly ticketStore: TicketStore,
    private readonly settingsStore: SettingsStore,
    private readonly pusher: PusherService,
  ) {}

  onApplicationBootstrap(): void {
    this.reschedule();
  }

  onApplicationShutdown(): void {
    clearInterval(this.interval);
    for (const timer of this.soon) clearTimeout(timer);
    this.soon.clear();
  }

  /** Applies a changed ticketPushIntervalMs; keeps the running timer if it did not change. */
  reschedule(): void {
    const wanted = this.settingsStore.current.ticketPushIntervalMs;
    if (wanted === this.intervalMs && (this.interval !== undefined || wanted === 0)) return;
    clearInterval(this.interval);
    this.interval = undefined;
    this.intervalMs = wanted;
    if (wanted > 0) {
      this.interval = setInterval(() => this.pushAll(), wanted);
      this.interval.unref();
    }
  }

  /** Pushes a fresh ticket to one component now. */
  async pushTicket(componentAppid: string): Promise<TicketPushResult> {
    const component = this.componentStore.get(componentAppid);
    if (!component) throw new NotFoundException(`unknown component ${componentAppid}`);
    const ticket = this.ticketStore.issueVerifyTicket(componentAppid);
    const result = await this.pusher.pushEvent(component, 'component_verify_ticket', {
      ComponentVerifyTicket: ticket,
    });
    return {
      ticket,
      delivered: result.delivered,
      attempts: result.attempts,
      outcome: result.outcome,
      pushId: result.record.id,
    };
  }

  /** api_start_push_ticket: a push shortly after the answer, like WeChat. */
  pushSoon(componentAppid: string, delayMs = 100): void {
    const timer = setTimeout(() => {
      this.soon.delete(timer);
      this.pushTicket(componentAppid).catch((error: unknown) =>
        this.logger.error(`ticket push to ${componentAppid} failed: ${String(error)}`),
      );
    }, delayMs);
    timer.unref();
    this.soon.add(timer);
  }

  private pushAll(): void {
    for (const component of this.componentStore.list()) {
      if (!component.eventUrl) continue;
      this.pushTicket(component.appid).catch((error: unknown) =>
        this.logger.error(`ticket push to ${component.appid} failed: ${String(error)}`),
      );
    }
  }
}
