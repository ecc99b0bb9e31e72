import { Module } from '@nestjs/common';
import { WechatOpenCoreModule } from '../core/wechat-open-core.module.js';
import { ComponentTicketModule } from '../component-ticket/component-ticket.module.js';
import { AuthorizationCodeRepository } from './authorization-code.repository.js';
import { AuthorizationRedemptionService } from './authorization-redemption.service.js';
import { AuthorizerListSyncService } from './authorizer-list-sync.service.js';
import { AuthorizerProfileService } from './authorizer-profile.service.js';
import { AuthorizerPushHandlers } from './authorizer-push.handlers.js';
import { AuthorizerRefreshScheduler } from './authorizer-refresh.scheduler.js';
import { AuthorizerRegistryService } from './authorizer-registry.service.js';
import { AuthorizerTokenListener } from './authorizer-token.listener.js';
import { AuthorizerTokenRepository } from './authorizer-token.repository.js';
import { AuthorizerTokenService } from './authorizer-token.service.js';
import { AuthorizerTokenStore } from './authorizer-token.store.js';
import { AuthorizerEvents } from './authorizer.events.js';
import { AUTHORIZER_LOCATOR, AUTHORIZER_RECORDS } from '../core/internal-tokens.js';
import { AuthorizerLocator } from './authorizer.locator.js';
import { AuthorizerRepository } from './authorizer.repository.js';
import { AuthorizerService } from './authorizer.service.js';

/**
 * The registry of authorized accounts and their never-lapsing tokens. Code redemption binds a
 * tenant through the TENANT_RESOLVER the PreAuth module provides (optional).
 */
@Module({
  imports: [WechatOpenCoreModule, ComponentTicketModule],
  providers: [
    AuthorizerRepository,
    AuthorizationCodeRepository,
    AuthorizerTokenRepository,
    AuthorizerEvents,
    AuthorizerTokenStore,
    { provide: AUTHORIZER_LOCATOR, useClass: AuthorizerLocator },
    { provide: AUTHORIZER_RECORDS, useExisting: AuthorizerRepository },
    AuthorizerRegistryService,
    AuthorizerProfileService,
    AuthorizerListSyncService,
    AuthorizationRedemptionService,
    AuthorizerPushHandlers,
    AuthorizerService,
    AuthorizerTokenService,
    AuthorizerRefreshScheduler,
    AuthorizerTokenListener,
  ],
  exports: [
    AuthorizerService,
    AuthorizerTokenService,
    AuthorizerEvents,
    AuthorizerRefreshScheduler,
    AuthorizerTokenListener,
    AUTHORIZER_LOCATOR,
    // The message path reads records through their NOTIFY-kept cache (findCached), under a
    // private token: the repository itself stays out of the host's reach.
    AUTHORIZER_RECORDS,
  ],
})
export class AuthorizerModule {}
