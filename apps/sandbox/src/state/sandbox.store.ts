import { Injectable } from '@nestjs/common';
import { ApiQuotaStore } from './api-quota.store.js';
import { AuthorizationStore } from './authorization.store.js';
import { AuthorizerOptionStore } from './authorizer-option.store.js';
import { ClearQuotaStore } from './clear-quota.store.js';
import { PreAuthCodeStore } from './pre-auth-code.store.js';
import { RidStore } from './rid.store.js';
import { SentMessageStore } from './sent-message.store.js';
import { SettingsStore } from './settings.store.js';
import { TicketStore } from './ticket.store.js';
import { TokenStore } from './token.store.js';

/**
 * The reset-all of WeChat's run-time state (POST /sandbox/reset). Each aggregate lives in its
 * own store, the only writer of its data; this facade only asks each of them to forget.
 */
@Injectable()
export class SandboxStore {
  constructor(
    private readonly settings: SettingsStore,
    private readonly tickets: TicketStore,
    private readonly tokens: TokenStore,
    private readonly preAuthCodes: PreAuthCodeStore,
    private readonly authorizations: AuthorizationStore,
    private readonly options: AuthorizerOptionStore,
    private readonly clearQuotas: ClearQuotaStore,
    private readonly sentMessages: SentMessageStore,
    private readonly apiQuotas: ApiQuotaStore,
    private readonly rids: RidStore,
  ) {}

  /**
   * Back to the start-up settings; forgets every ticket, token, code, authorization, option,
   * quota use (resets and call counts), rid and sent message. Keeps components and accounts.
   */
  resetRuntime(): void {
    this.settings.reset();
    this.tickets.reset();
    this.tokens.reset();
    this.preAuthCodes.reset();
    this.authorizations.reset();
    this.options.reset();
    this.clearQuotas.reset();
    this.sentMessages.reset();
    this.apiQuotas.reset();
    this.rids.reset();
  }
}
