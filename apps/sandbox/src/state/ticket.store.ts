import { Injectable } from '@nestjs/common';
import { SandboxApiError } from '../common/sandbox-api.error.js';
import { SandboxClock } from '../common/sandbox.clock.js';
import { randomToken } from './random-token.js';
import { SandboxCounters } from './sandbox-counters.service.js';
import { SettingsStore } from './settings.store.js';

interface PushedTicket {
  value: string;
  issuedAtMs: number;
}

/**
 * Tickets: the component_verify_tickets pushed to each component, with api_component_token's
 * acceptance rule, and the JS-SDK tickets (jsapi, wx_card) issued to accounts, which nothing
 * checks afterwards and so are not kept.
 */
@Injectable()
export class TicketStore {
  private verifyTickets = new Map<string, PushedTicket[]>();

  constructor(
    private readonly clock: SandboxClock,
    private readonly counters: SandboxCounters,
    private readonly settings: SettingsStore,
  ) {}

  issueVerifyTicket(componentAppid: string): string {
    const value = `ticket@@@${randomToken(48)}`;
    const list = this.verifyTickets.get(componentAppid) ?? [];
    list.push({ value, issuedAtMs: this.clock.nowMs() });
    // A ticket older than its lifetime can never be accepted again; drop it.
    const oldest = this.clock.nowMs() - this.settings.current.ticketTtlSec * 1000 * 2;
    this.verifyTickets.set(
      componentAppid,
      list.filter((t) => t.issuedAtMs >= oldest),
    );
    this.counters.issued('component_verify_ticket');
    return value;
  }

  /** api_component_token's ticket rule: pushed to this component within the ticket lifetime. */
  checkVerifyTicket(componentAppid: string, value: string): void {
    const ticket = (this.verifyTickets.get(componentAppid) ?? []).find((t) => t.value === value);
    if (!ticket) throw new SandboxApiError(61006, 'unknown component_verify_ticket');
    if (this.clock.nowMs() >= ticket.issuedAtMs + this.settings.current.ticketTtlSec * 1000) {
      throw new SandboxApiError(61005);
    }
  }

  issueJsTicket(type: 'jsapi' | 'wx_card'): { ticket: string; expiresIn: number } {
    this.counters.issued(type === 'jsapi' ? 'jsapi_ticket' : 'wx_card_ticket');
    return { ticket: randomToken(64), expiresIn: this.settings.current.jsapiTicketTtlSec };
  }

  reset(): void {
    this.verifyTickets = new Map();
  }
}
