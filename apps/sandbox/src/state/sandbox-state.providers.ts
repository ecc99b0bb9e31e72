import { Provider } from '@nestjs/common';
import { AccountStore } from './account.store.js';
import { ApiQuotaStore } from './api-quota.store.js';
import { AuthorizationStore } from './authorization.store.js';
import { AuthorizerOptionStore } from './authorizer-option.store.js';
import { ClearQuotaStore } from './clear-quota.store.js';
import { ComponentStore } from './component.store.js';
import { PreAuthCodeStore } from './pre-auth-code.store.js';
import { RidStore } from './rid.store.js';
import { SandboxCounters } from './sandbox-counters.service.js';
import { SandboxStore } from './sandbox.store.js';
import { SentMessageStore } from './sent-message.store.js';
import { SettingsStore } from './settings.store.js';
import { TicketStore } from './ticket.store.js';
import { TokenStore } from './token.store.js';

/** Every in-memory store of the sandbox, one per aggregate, plus the counters and the reset-all. */
export const SANDBOX_STATE_PROVIDERS: Provider[] = [
  SandboxCounters,
  SettingsStore,
  ComponentStore,
  AccountStore,
  TicketStore,
  PreAuthCodeStore,
  AuthorizationStore,
  TokenStore,
  AuthorizerOptionStore,
  ApiQuotaStore,
  ClearQuotaStore,
  RidStore,
  SentMessageStore,
  SandboxStore,
];
